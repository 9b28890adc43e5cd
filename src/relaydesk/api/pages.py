"""The pages people open: the demo shop with the chat widget, and the agent desk."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

WEB = Path(__file__).resolve().parent.parent / "web"
templates = Jinja2Templates(directory=str(WEB / "templates"))
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def demo_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "demo.html", {})


@router.get("/desk", response_class=HTMLResponse)
async def desk_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "desk.html", {})


@router.get("/widget.js")
async def widget() -> FileResponse:
    # One <script src=".../widget.js"> tag on any site: the script finds its own origin.
    return FileResponse(WEB / "static" / "widget.js", media_type="text/javascript")


@router.get("/healthz")
async def health() -> dict[str, str]:
    return {"status": "ok"}
