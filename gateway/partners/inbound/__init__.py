"""What partners bring into the platform: cases they share, which become incidents with the
partner as source, and mutual-aid requests, asked in either direction and answered by the side
that was asked. It exists to keep the writes partners make into our records apart from what we
send them; both reach partners' feeds only through ``outbound.changes``."""
