"""Events the bureau runs: the events themselves, organisations and people, registrations, check-in, mail."""
