"""Translation catalogues: ``ja.json`` (the application's language) and ``en.json``; keys are shared."""
