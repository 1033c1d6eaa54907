# One image for every platform process; the command picks the process.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt grpcio-tools==1.85.1
COPY proto ./proto
RUN mkdir -p build/proto && python -m grpc_tools.protoc -Iproto --python_out=build/proto \
      --pyi_out=build/proto --grpc_python_out=build/proto $(find proto -name '*.proto')
COPY kernel ./kernel
COPY services ./services
COPY gateway ./gateway
COPY infra ./infra
ENV PYTHONPATH=/app:/app/build/proto PYTHONUNBUFFERED=1
CMD ["python", "-m", "gateway.main"]
