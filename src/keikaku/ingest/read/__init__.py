"""Readers: a file (PDF, scanned or not; text in a Japanese encoding; an Excel workbook) becomes a
:class:`~keikaku.ingest.read.source.SourceDocument` of numbered lines (:mod:`.readers`: ``read_document``)."""
