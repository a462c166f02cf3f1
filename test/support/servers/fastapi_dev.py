"""Dreamy Vision Server as run in development: the probe tests' "insecure FastAPI" target.

Mirrors fixtures/fastapi-compose-insecure/app/main.py with REQUIRE_API_KEY unset (the default):
CORS allows every origin (with credentials), no authentication, and FastAPI's /docs, /redoc and
/openapi.json are left on. POST /enhance takes a pydantic body, so a request with an empty body gets
a 422 validation error: proof that the handler's route ran without any credential. No network calls.

Starlette's CORS with allow_origins=["*"] and allow_credentials=True answers a plain request with
`Access-Control-Allow-Origin: *` plus `Access-Control-Allow-Credentials: true`, but echoes the
request's Origin (with Vary: Origin) when the request carries a Cookie header, and on every
preflight (OPTIONS with Access-Control-Request-Method): the credentialed-reflection case.
Unknown paths are 404 {"detail": "Not Found"}.
"""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

app = FastAPI(title="Dreamy Vision Server", version="0.3.0")

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


class EnhanceRequest(BaseModel):
    image_url: str
    prompt: str = "dreamy, soft light"
    strength: float = 0.6


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/enhance")
async def enhance(req: EnhanceRequest):
    return {"prompt": req.prompt, "image_url": req.image_url, "strength": req.strength, "image_b64": "ZHJlYW15"}


@app.get("/models")
async def models():
    return {"models": ["llava:13b", "sdxl-turbo"], "default": "llava:13b"}
