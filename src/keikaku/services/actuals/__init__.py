"""Entering results: actual values one by one or through the Excel/CSV round trip, judgements, and the
period locks that freeze a fiscal year."""
