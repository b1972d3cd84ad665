"""Playback: the HLS playlists of videos and their subtitles, above both apps (who may play, signed URIs)."""
