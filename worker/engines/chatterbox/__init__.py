"""Chatterbox (chatterbox-tts 0.1.7): the production GPU engine; torch loads with the engine."""

from worker.engines.chatterbox.engine import ChatterboxEngine

__all__ = ["ChatterboxEngine"]
