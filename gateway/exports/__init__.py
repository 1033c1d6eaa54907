"""Documents an operator takes away from the page in one click: an incident as CAP 1.2 or
EIDD (the partners' own writers, not copies), an ICS-201-style incident briefing, and a
period's ICS-209-style status summary, both printable pages."""
