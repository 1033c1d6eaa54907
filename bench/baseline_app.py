"""The intake baseline: a bare FastAPI app served like the gateway (uvicorn, one process, no
access log) whose only endpoint validates the body with the gateway's own ``IncidentCreate``
and stores nothing. The gap to the gateway is then what storing, announcing and answering an
incident costs, not FastAPI or pydantic.

The endpoint is a plain ``def`` like the gateway's, so both go through the same threadpool.

Run as ``python -m bench.baseline_app --port N``.
"""

import argparse
import uuid

import uvicorn
from fastapi import FastAPI

from gateway.incidents.models import IncidentCreate

app = FastAPI(title="intake baseline")


@app.post("/api/v1/incidents", status_code=201)
def create_incident(data: IncidentCreate) -> dict[str, str]:
    """Validated and dropped: the id only keeps the answer the same shape as a real one."""
    del data
    return {"id": str(uuid.uuid4())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
