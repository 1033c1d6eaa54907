"""The shared incident picture every service keeps, one concern per module: its tables
(``models``), its mapping to the wire contract (``proto``), how it is stored (``store``) and the
digest services compare it by (``digest``)."""
