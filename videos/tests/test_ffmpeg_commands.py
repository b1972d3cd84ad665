"""Pure parts of videos.ffmpeg: probe parsing, ladder planning, command and playlist building."""


import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.baseline import rung_command
from videos.ffmpeg import ProbeError, hls_command, ladder_for, parse_probe
from videos.ffmpeg.commands import storyboard_for, storyboard_sheet_command, storyboard_vtt
from videos.ffmpeg.hls import AudioRendition, SubtitleTrack, Variant, codec_string, master_playlist, rewrite_playlist
from videos.ffmpeg.ladder import RungSpec
from videos.ffmpeg.runner import parse_progress


def ffprobe_json(
    width=1920, height=1080, *, fps="30/1", avg_fps=None, pix_fmt="yuv420p", audio=True,
    rotation=None, rotate_tag=None, sar="1:1", duration="10.000000", codec="h264", format_name="mov,mp4",
):
    video = {
        "index": 0, "codec_type": "video", "codec_name": codec, "width": width, "height": height,
        "pix_fmt": pix_fmt, "r_frame_rate": fps, "avg_frame_rate": avg_fps or fps,
        "sample_aspect_ratio": sar, "disposition": {"attached_pic": 0}, "tags": {},
    }
    if rotation is not None:
        video["side_data_list"] = [{"side_data_type": "Display Matrix", "rotation": rotation}]
    if rotate_tag is not None:
        video["tags"]["rotate"] = rotate_tag
    streams = [video]
    if audio:
        streams.append({"index": 1, "codec_type": "audio", "codec_name": "aac", "channels": 6})
    return {"streams": streams, "format": {"format_name": format_name, "duration": duration, "bit_rate": "4000000"}}


def probe_of(*args, **kwargs):
    return parse_probe(ffprobe_json(*args, **kwargs))


# --- probe -------------------------------------------------------------------------------------


def test_parse_landscape():
    probe = probe_of()
    assert (probe.width, probe.height, probe.rotation, probe.fps) == (1920, 1080, 0, 30.0)
    assert probe.has_audio and probe.audio_index == 1 and probe.audio_channels == 6
    assert probe.duration == 10.0 and not probe.is_portrait and not probe.needs_pixel_conversion


@pytest.mark.parametrize("rotation", [90, -90, 270, -270])
def test_parse_rotated_phone_video_is_upright(rotation):
    probe = probe_of(1920, 1080, rotation=rotation)
    assert (probe.width, probe.height) == (1080, 1920)
    assert probe.rotation in (90, 270) and probe.is_portrait


def test_parse_legacy_rotate_tag_and_180():
    assert (probe_of(1280, 720, rotate_tag="90").width, probe_of(1280, 720, rotate_tag="90").height) == (720, 1280)
    upside_down = probe_of(1280, 720, rotation=180)
    assert (upside_down.width, upside_down.height, upside_down.rotation) == (1280, 720, 180)


def test_parse_anamorphic_uses_display_aspect():
    probe = probe_of(720, 576, sar="16:15")
    assert (probe.width, probe.height, probe.coded_width) == (768, 576, 720)


def test_parse_prefers_average_frame_rate():
    assert probe_of(fps="90000/1", avg_fps="30000/1001").fps == pytest.approx(29.97)
    assert probe_of(fps="0/0", avg_fps="0/0").fps is None


def test_parse_ten_bit_and_444_need_conversion():
    assert probe_of(pix_fmt="yuv420p10le").needs_pixel_conversion
    assert probe_of(pix_fmt="yuv444p").needs_pixel_conversion


def test_parse_skips_cover_art():
    data = ffprobe_json(audio=True)
    data["streams"][0]["disposition"]["attached_pic"] = 1
    with pytest.raises(ProbeError, match="no video track .*audio"):
        parse_probe(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "not a video"),
        ({"streams": [], "format": {"format_name": "mp3", "duration": "3"}}, "no video track"),
        (ffprobe_json(duration="0.000000"), "no duration"),
        (ffprobe_json(duration="N/A"), "no duration"),
        (ffprobe_json(format_name="png_pipe", duration="0.04"), "not a video"),
        (ffprobe_json(format_name="tty", codec="ansi"), "not a video"),
        (ffprobe_json(width=0, height=0), "damaged or not a video"),
    ],
)
def test_parse_rejects_with_human_message(data, message):
    with pytest.raises(ProbeError, match=message):
        parse_probe(data)


# --- ladder ------------------------------------------------------------------------------------


def test_ladder_1080p_source_gets_every_rung():
    ladder = ladder_for(probe_of(1920, 1080))
    assert [(r.name, r.width, r.height) for r in ladder] == [
        ("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 854, 480), ("360p", 640, 360),
    ]
    assert all(r.codec == "h264" and r.fps == 30 for r in ladder)
    assert [r.bitrate for r in ladder] == sorted((r.bitrate for r in ladder), reverse=True)


def test_ladder_never_taller_than_source():
    assert [r.height for r in ladder_for(probe_of(1280, 720))] == [720, 480, 360]
    assert [r.height for r in ladder_for(probe_of(1000, 500))] == [480, 360]


def test_ladder_tiny_source_gets_one_rung_at_its_own_size():
    (rung,) = ladder_for(probe_of(176, 144))
    assert (rung.width, rung.height, rung.name) == (176, 144, "144p")
    (odd,) = ladder_for(probe_of(175, 143))
    assert (odd.width, odd.height) == (174, 142)


def test_ladder_portrait_is_named_by_short_side():
    ladder = ladder_for(probe_of(1080, 1920))
    assert [(r.name, r.width, r.height) for r in ladder] == [
        ("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 854), ("360p", 360, 640),
    ]


def test_ladder_rotated_phone_video_comes_out_upright():
    ladder = ladder_for(probe_of(1280, 720, rotation=-90))
    assert [(r.width, r.height) for r in ladder] == [(720, 1280), (480, 854), (360, 640)]


def test_ladder_caps_frame_rate_at_60_and_raises_bitrate():
    fast = ladder_for(probe_of(1280, 720, fps="120/1"))
    normal = ladder_for(probe_of(1280, 720))
    assert {r.fps for r in fast} == {60}
    assert fast[0].bitrate > normal[0].bitrate


def test_ladder_av1_adds_av1_rungs():
    ladder = ladder_for(probe_of(1280, 720), av1=True)
    assert [r.name for r in ladder] == ["720p", "480p", "360p", "720p-av1", "480p-av1", "360p-av1"]
    assert {r.codec for r in ladder[3:]} == {"av1"}


def test_ladder_from_settings_shapes():
    ladder = ladder_for(probe_of(1920, 1080), rungs=[(540, 2_000_000), {"height": 270, "bitrate": 500_000}])
    assert [(r.name, r.height) for r in ladder] == [("540p", 540), ("270p", 270)]
    assert ladder_for(probe_of(640, 360), rungs=[RungSpec(360, 1)])[0].bitrate >= 150_000


@given(
    width=st.integers(16, 4096), height=st.integers(16, 4096), rotation=st.sampled_from([0, 90, 180, 270]),
    sar=st.sampled_from(["1:1", "4:3", "16:15", "0:1"]),
)
def test_ladder_dimensions_are_even_and_bounded(width, height, rotation, sar):
    probe = probe_of(width, height, rotation=rotation, sar=sar)
    ladder = ladder_for(probe)
    assert ladder
    for rung in ladder:
        assert rung.width % 2 == 0 and rung.height % 2 == 0
        assert min(rung.width, rung.height) <= max(probe.short_side, 2)
        assert (rung.width > rung.height) == (probe.width > probe.height) or rung.width == rung.height or (
            abs(probe.width - probe.height) <= 2
        )


# --- commands ----------------------------------------------------------------------------------


def _graph(cmd):
    return cmd[cmd.index("-filter_complex") + 1]


def _option(cmd, name):
    return cmd[cmd.index(name) + 1]


def test_hls_command_is_one_decode_with_split_and_one_audio_encode(tmp_path):
    probe = probe_of(1920, 1080)
    ladder = ladder_for(probe)
    cmd = hls_command(source="/in/src.mov", probe=probe, ladder=ladder, out_dir=tmp_path)
    assert cmd[0] == "ffmpeg" and cmd.count("-i") == 1 and _option(cmd, "-i") == "file:/in/src.mov"
    # Only the uploaded file: the file protocol, the allowlist, and the demuxer the probe found.
    assert _option(cmd, "-protocol_whitelist") == "file" and _option(cmd, "-f") == "mov"
    assert _option(cmd, "-format_whitelist") == "mov,matroska,avi,flv,mpegts,mpeg,ogg,asf,gif"
    graph = _graph(cmd)
    assert graph.startswith("[0:0]split=6[s0][s1][s2][s3][s4][s5]")
    for index, rung in enumerate(ladder):
        assert f"[s{index}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1,format=yuv420p[v{index}]" in graph
    assert cmd.count("-map") == len(ladder) + 1 + 2  # rungs, audio once, poster, storyboard
    assert "0:1" in cmd and cmd.count("-c:a") == 1 and _option(cmd, "-ac") == "2"
    assert cmd.count("libx264") == 4
    assert _option(cmd, "-var_stream_map") == (
        "v:0,agroup:audio,name:1080p v:1,agroup:audio,name:720p v:2,agroup:audio,name:480p "
        "v:3,agroup:audio,name:360p a:0,agroup:audio,name:audio"
    )
    assert cmd[cmd.index("-progress") : cmd.index("-progress") + 2] == ["-progress", "pipe:1"]
    assert "-nostats" in cmd and "-nostdin" in cmd


def test_hls_command_outputs(tmp_path):
    probe = probe_of(1280, 720)
    cmd = hls_command(source="s.mp4", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert _option(cmd, "-hls_segment_type") == "fmp4"
    assert _option(cmd, "-hls_playlist_type") == "vod"
    assert _option(cmd, "-hls_time") == "4"
    assert _option(cmd, "-master_pl_name") == "master.m3u8"
    assert _option(cmd, "-hls_segment_filename") == f"{tmp_path}/hls/%v/seg_%05d.m4s"
    assert _option(cmd, "-start_number") == "1"
    assert f"{tmp_path}/hls/%v/index.m3u8" in cmd
    assert cmd[-1] == f"{tmp_path}/storyboard-tiles/%05d.jpg"
    assert f"{tmp_path}/thumbs/poster.jpg" in cmd
    assert "-map_metadata" in cmd


def test_hls_command_aligns_keyframes_to_segments(tmp_path):
    probe = probe_of(1280, 720, fps="25/1")
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path, segment_seconds=6)
    for index in range(3):
        assert _option(cmd, f"-g:v:{index}") == "150" and _option(cmd, f"-keyint_min:v:{index}") == "150"
        assert _option(cmd, f"-sc_threshold:v:{index}") == "0"
    assert _option(cmd, "-force_key_frames:v") == "expr:gte(t,n_forced*6)"
    assert _option(cmd, "-hls_time") == "6"


def test_hls_command_without_audio_maps_no_audio(tmp_path):
    probe = probe_of(640, 360, audio=False)
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert "-c:a" not in cmd and "0:1" not in cmd
    assert _option(cmd, "-var_stream_map") == "v:0,name:360p"


def test_hls_command_120fps_drops_to_60_once_before_split(tmp_path):
    probe = probe_of(1280, 720, fps="120/1")
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert _graph(cmd).startswith("[0:0]fps=60,split=5")
    assert _option(cmd, "-g:v:0") == "240"


def test_hls_command_ten_bit_becomes_8bit_420(tmp_path):
    probe = probe_of(1920, 1080, pix_fmt="yuv420p10le")
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert _graph(cmd).count("format=yuv420p[v") == 4
    assert {_option(cmd, f"-profile:v:{i}") for i in range(4)} == {"high"}


def test_hls_command_rotated_relies_on_autorotate(tmp_path):
    probe = probe_of(1920, 1080, rotation=90)
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert "scale=1080:1920" in _graph(cmd) and "transpose" not in _graph(cmd) and "-noautorotate" not in cmd


def test_hls_command_tiny_source(tmp_path):
    probe = probe_of(176, 144, audio=False, duration="1.5")
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert "[s0]scale=176:144:" in _graph(cmd) and "split=3" in _graph(cmd)


def test_hls_command_av1(tmp_path):
    probe = probe_of(854, 480)
    ladder = ladder_for(probe, av1=True)
    cmd = hls_command(source="s", probe=probe, ladder=ladder, out_dir=tmp_path)
    assert [_option(cmd, f"-c:v:{i}") for i in range(4)] == ["libx264", "libx264", "libsvtav1", "libsvtav1"]
    assert "name:480p-av1" in _option(cmd, "-var_stream_map")


def test_hls_command_picks_the_real_video_stream(tmp_path):
    data = ffprobe_json(640, 360)
    data["streams"][0]["index"] = 1
    data["streams"][1]["index"] = 0
    probe = parse_probe(data)
    cmd = hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path)
    assert _graph(cmd).startswith("[0:1]split") and "0:0" in cmd


def test_poster_and_storyboard_in_the_same_pass(tmp_path):
    probe = probe_of(1280, 720, duration="60")
    storyboard = storyboard_for(probe)
    assert (storyboard.interval, storyboard.count, storyboard.columns, storyboard.rows) == (2.0, 30, 10, 3)
    graph = _graph(hls_command(source="s", probe=probe, ladder=ladder_for(probe), out_dir=tmp_path))
    # Neither output waits for a late frame (that would hold back -progress): the poster is
    # rewritten until 10 s in, the storyboard written tile by tile and put together afterwards.
    assert "fps=4,trim=end=10.25,scale=1280:720" in graph
    assert "fps=1/2,scale=160:90:flags=bicubic,setsar=1,format=yuv420p[storyboard]" in graph
    assert "tile" not in graph
    sheet = storyboard_sheet_command(out_dir=tmp_path, storyboard=storyboard)
    assert _option(sheet, "-i") == f"{tmp_path}/storyboard-tiles/%05d.jpg" and _option(sheet, "-vf") == "tile=10x3"
    assert sheet[-1] == f"{tmp_path}/thumbs/storyboard.jpg"


def test_storyboard_for_long_and_portrait_videos():
    assert storyboard_for(probe_of(duration="3600")).count == 100
    portrait = storyboard_for(probe_of(1080, 1920, duration="5"))
    assert (portrait.tile_width, portrait.tile_height, portrait.count) == (90, 160, 3)


def test_storyboard_vtt_has_xywh_fragments():
    storyboard = storyboard_for(probe_of(1280, 720, duration="25"), interval=2, columns=10)
    vtt = storyboard_vtt(storyboard, duration=25.0)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard.jpg#xywh=0,0,160,90\n")
    assert "00:00:20.000 --> 00:00:22.000\nstoryboard.jpg#xywh=0,90,160,90" in vtt
    assert vtt.count("#xywh=") == 13
    assert vtt.rstrip().endswith("00:00:24.000 --> 00:00:25.000\nstoryboard.jpg#xywh=320,90,160,90")


def test_rung_command_is_one_rung_with_audio(tmp_path):
    probe = probe_of(1280, 720, fps="120/1")
    rung = ladder_for(probe)[1]
    cmd = rung_command(source="s", probe=probe, rung=rung, out_dir=tmp_path)
    assert _option(cmd, "-filter:v") == "fps=60,scale=854:480:flags=bicubic,setsar=1,format=yuv420p"
    assert cmd[-1] == f"{tmp_path}/hls/480p/index.m3u8" and "-c:a" in cmd and "-var_stream_map" not in cmd
    assert _option(cmd, "-maxrate:v:0") == str(rung.bitrate)


# --- playlists and progress ------------------------------------------------------------------


def test_master_playlist():
    variants = [
        Variant("720p", "720p/index.m3u8", 1280, 720, 2_000_000, 1_500_000, "avc1.64001f", 30.0),
        Variant("360p", "360p/index.m3u8", 640, 360, 700_000, 500_000, "avc1.64001e", 30.0),
    ]
    text = master_playlist(variants, audio=AudioRendition("audio/index.m3u8", bandwidth=130_000, average_bandwidth=128_000))
    assert text.startswith("#EXTM3U\n#EXT-X-VERSION:7\n")
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES' in text
    assert (
        '#EXT-X-STREAM-INF:BANDWIDTH=2130000,AVERAGE-BANDWIDTH=1628000,RESOLUTION=1280x720,'
        'FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2",AUDIO="audio"\n720p/index.m3u8\n'
    ) in text
    assert "SUBTITLES" not in text


def test_master_playlist_with_subtitles_and_no_audio():
    variant = Variant("360p", "a?sig=1", 640, 360, 700_000, 500_000, "avc1.64001e")
    text = master_playlist([variant], subtitles=[SubtitleTrack("fr", "Français", "subs/fr.m3u8", default=True)])
    assert '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français",LANGUAGE="fr",DEFAULT=YES' in text
    assert 'CODECS="avc1.64001e",SUBTITLES="subs"\na?sig=1\n' in text and "AUDIO" not in text


def test_rewrite_playlist_rewrites_every_uri():
    text = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n'
    out = rewrite_playlist(text, lambda uri: f"https://s3/{uri}?X=1")
    assert '#EXT-X-MAP:URI="https://s3/init.mp4?X=1"' in out and "\nhttps://s3/seg_00001.m4s?X=1\n" in out


def test_codec_string_from_init_segments():
    assert codec_string(b"....avcC\x01\x64\x00\x1f\xff") == "avc1.64001f"
    assert codec_string(b"....av1C\x81\x08\x0c\x00") == "av01.0.08M.08"
    assert codec_string(b"....mp4a....") == "mp4a.40.2"


def test_parse_progress():
    block = {"out_time_us": "5000000", "speed": "2.5x", "progress": "continue"}
    progress = parse_progress(block, duration=20.0)
    assert (progress.percent, progress.out_time, progress.speed, progress.eta_seconds) == (25.0, 5.0, 2.5, 6.0)
    start = parse_progress({"out_time_us": "N/A", "speed": "N/A", "progress": "continue"}, duration=20.0)
    assert (start.percent, start.speed, start.eta_seconds) == (0.0, None, None)
    end = parse_progress({"out_time_us": "19900000", "speed": "3x", "progress": "end"}, duration=20.0)
    assert end.done and end.percent == 100.0 and end.eta_seconds == 0.0
    assert parse_progress({"out_time_us": "30000000", "progress": "continue"}, duration=20.0).percent == 99.9
