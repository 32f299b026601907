"""The built portal at `/`, with `index.html` for client-side routes."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fastapi import APIRouter
from fastapi.responses import FileResponse

from homehost.gateway.deps import GatewayStateDep
from homehost.shared.errors import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/{path:path}", name="portal.file")
async def serve_portal(path: str, state: GatewayStateDep) -> FileResponse:
    """Return a file of the built portal, or its index.html for a page route."""
    if path == "api" or path.startswith("api/"):
        raise NotFound(f"no API route /{path}")
    root = state.settings.portal_dir.resolve()
    index = root / "index.html"
    if not index.is_file():
        raise NotFound("the portal is not built; run `homehost up` to build it")

    if path:
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return FileResponse(candidate, headers=_cache_headers(candidate, root))
        # A missing asset is a 404; anything else is a page of the portal.
        if PurePosixPath(path).suffix:
            raise NotFound(f"no portal file /{path}")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


def _cache_headers(file: Path, root: Path) -> dict[str, str]:
    # Vite puts a content hash in every name under assets/: those never change.
    if file.parent == root / "assets":
        return {"Cache-Control": "public, max-age=31536000, immutable"}
    return {"Cache-Control": "no-cache"}
