"""Dreamy Vision Server, hardened: the probe tests' "secure FastAPI" target.

- API key: `APIKeyHeader(name="X-API-Key", auto_error=False)` in a dependency on every route except
  /health. A missing or wrong key gets 401 {"detail": "Invalid API key"} with
  `WWW-Authenticate: APIKey` (not FastAPI's auto_error 403 "Not authenticated", whose status also
  changed to 401 in later FastAPI releases: one status whatever FastAPI version runs it).
- No /docs, /redoc or /openapi.json (404).
- CORS allowlist: https://app.example.com only. A preflight from another origin gets 400
  "Disallowed CORS origin" (Starlette); a plain request from one gets no Access-Control-* header.
- Unknown paths (/.env, /.git/HEAD) are 404 {"detail": "Not Found"} without a key: auth is on the
  routes, not a middleware.
- Rate limit: a tiny in-memory fixed window, RATE_LIMIT_PER_MINUTE (default 10) requests per client
  address per minute, on every path; past it 429 {"detail": "Too many requests"} with Retry-After.
- Security headers on every response (including 401/404/429): CSP `default-src 'self'`,
  X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy no-referrer.
"""

import os
import secrets
import time

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

API_KEY = os.getenv("API_KEY", "test-key-123456")
RATE_LIMIT_PER_MINUTE = int(os.getenv("RATE_LIMIT_PER_MINUTE", "10"))
WINDOW_SECONDS = 60.0

app = FastAPI(title="Dreamy Vision Server", version="0.3.0", docs_url=None, redoc_url=None, openapi_url=None)

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def require_api_key(key: str | None = Security(api_key_header)) -> None:
    if not key or not secrets.compare_digest(key.encode(), API_KEY.encode()):
        raise HTTPException(status_code=401, detail="Invalid API key", headers={"WWW-Authenticate": "APIKey"})


_windows: dict[str, tuple[float, int]] = {}


@app.middleware("http")
async def rate_limit(request: Request, call_next):
    client = request.client.host if request.client else "unknown"
    now = time.monotonic()
    start, count = _windows.get(client, (now, 0))
    if now - start >= WINDOW_SECONDS:
        start, count = now, 0
    count += 1
    _windows[client] = (start, count)
    if count > RATE_LIMIT_PER_MINUTE:
        retry_after = max(1, int(WINDOW_SECONDS - (now - start) + 0.999))
        return JSONResponse(status_code=429, content={"detail": "Too many requests"}, headers={"Retry-After": str(retry_after)})
    return await call_next(request)


app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],
    allow_methods=["GET", "POST"],
    allow_headers=["X-API-Key", "Content-Type"],
)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@app.middleware("http")
async def security_headers(request: Request, call_next):
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


class EnhanceRequest(BaseModel):
    image_url: str
    prompt: str = "dreamy, soft light"
    strength: float = 0.6


@app.get("/health")
async def health():
    return {"status": "ok"}


protected = APIRouter(dependencies=[Depends(require_api_key)])


@protected.post("/enhance")
async def enhance(req: EnhanceRequest):
    return {"prompt": req.prompt, "image_url": req.image_url, "strength": req.strength, "image_b64": "ZHJlYW15"}


@protected.get("/models")
async def models():
    return {"models": ["llava:13b", "sdxl-turbo"], "default": "llava:13b"}


app.include_router(protected)
