"""Surveys: the question bank, questionnaires of events, responses from the public link and from paper."""
