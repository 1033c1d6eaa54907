"""Access to the partner API: the credentials a partner presents (API keys kept as hashes,
OAuth2 client-credentials tokens), the FastAPI dependencies that turn them into a scoped caller
before any handler runs, the abuse limits on rate and body size, and the HMAC signatures that
let a partner trust our webhook deliveries. It exists so everything that decides who may cross
the partner boundary, in either direction, is read and reviewed in one place."""
