"""Tests of keikaku.normalize: Japanese text, numbers, amounts, eras, dates and KPIs."""
