"""Incidents in the standard documents partners exchange: OASIS CAP 1.2 (written for reads,
parsed and schema-checked for shared cases) and NENA EIDD-style exports."""
