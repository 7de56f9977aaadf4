"""Data in and out: the interchange-format bundle, ingesting documents, exports, and ``keikaku init``."""
