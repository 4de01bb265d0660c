"""Sharing routes: peers, grants, and the catalog sync a peer (or department) calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from xueliang.api import API_PREFIX
from xueliang.api.deps import SessionDep
from xueliang.api.schemas import Page
from xueliang.audit import service as audit
from xueliang.camera import sharing
from xueliang.camera.dependencies import Manager, Reader
from xueliang.camera.schemas import GrantCreate, GrantRead, PeerCreate, PeerCreated, PeerRead, SyncItem

router = APIRouter(prefix=f"{API_PREFIX}/sharing", tags=["sharing"])


@router.post("/peers", response_model=PeerCreated, status_code=status.HTTP_201_CREATED)
def create_peer(db: SessionDep, principal: Manager, body: PeerCreate) -> PeerCreated:
    """Register a peer platform: a service account and its API token (shown once)."""
    peer, token = sharing.create_peer(db=db, principal=principal, data=body)
    return PeerCreated(**PeerRead.model_validate(peer).model_dump(), token=token)


@router.get("/peers", response_model=list[PeerRead])
def list_peers(db: SessionDep, principal: Manager) -> list[PeerRead]:
    return [PeerRead.model_validate(p) for p in sharing.list_peers(db=db)]


@router.post("/grants", response_model=GrantRead, status_code=status.HTTP_201_CREATED)
def create_grant(db: SessionDep, principal: Manager, body: GrantCreate) -> GrantRead:
    return GrantRead.model_validate(sharing.create_grant(db=db, principal=principal, data=body))


@router.get("/grants", response_model=list[GrantRead])
def list_grants(db: SessionDep, principal: Manager, active: bool = False) -> list[GrantRead]:
    return [GrantRead.model_validate(g) for g in sharing.list_grants(db=db, active_only=active)]


@router.delete("/grants/{grant_id}", response_model=GrantRead, summary="Revoke a grant (effective at once)")
def revoke_grant(db: SessionDep, principal: Manager, grant_id: int) -> GrantRead:
    return GrantRead.model_validate(sharing.revoke_grant(db=db, principal=principal, grant_id=grant_id))


@router.get(
    "/catalog", response_model=Page[SyncItem], summary="The catalog the caller is granted (peer sync)"
)
def sync_catalog(
    db: SessionDep,
    principal: Reader,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Page[SyncItem]:
    total, items = sharing.sync(db=db, principal=principal, offset=offset, limit=limit)
    audit.record(
        db=db, actor=principal, action="camera.sync", result_count=len(items), request={"offset": offset}
    )
    return Page(total=total, offset=offset, limit=limit, items=items)
