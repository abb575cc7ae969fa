"""Office documents: Office Open XML (.docx, .pptx, .xlsx) and OpenDocument (.odt, .odp, .ods),
edited part by part inside their zip package (see docs/formats.md)."""
