"""The business-plan parser (事業計画) and its parts: the header, the overview list or grid, the detail
pages, the KPI blocks, the drafts they fill, their checks, and Excel project lists (:mod:`.parse` is the entry)."""
