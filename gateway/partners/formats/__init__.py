"""Incidents in the standard documents partners exchange: OASIS CAP 1.2 (written for reads,
parsed and schema-checked for shared cases) and NENA EIDD-style exports."""

# Who the platform is in the documents it writes: CAP's ``sender``, EIDD's issuing element.
SENDER = "jcp.dongying.370502"
