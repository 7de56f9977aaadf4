"""The service side of :mod:`keikaku.evaluation`: running a fiscal year's evaluation for a viewer, the
per-plan status cache, and the council's reports."""
