"""DSO requests: entry (JSON, form file upload: JSON or XML), validation, escrow and publication,
cancellation, documents, and the DSO's pick in manual-pick sessions."""

from __future__ import annotations

from flask import Blueprint, send_file
from sqlalchemy import case, func, select

from marketplace.api import context, present
from marketplace.api import market_present as show
from marketplace.api.registry import PUBLIC, roles, route
from marketplace.db import session
from marketplace.domain.errors import InvalidInput
from marketplace.domain.principal import Principal
from marketplace.market import gate, request_files
from marketplace.market import requests as domain
from marketplace.models import Bid, FlexRequest
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.models.market import BidStatus, RequestSource
from marketplace.schemas.common import Id, Page, Query, Request, Response, WalletAddress
from marketplace.schemas.market import (
    EscrowOut,
    PickIn,
    PickOut,
    RequestIn,
    RequestOut,
    RequestQuery,
    RequestReject,
    TxHashIn,
    UnsignedTx,
)

bp = Blueprint("requests", __name__, url_prefix="/api/v1")

DSO_WRITER = roles(ParticipantRole.DSO, grant=Grant.TRADER)
OPERATOR_WRITER = roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER)
DSO_OR_OPERATOR = roles(ParticipantRole.DSO, ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER)
DSO_OR_OPERATOR_READER = roles(ParticipantRole.DSO, ParticipantRole.MARKET_OPERATOR)


class UploadForm(Request):
    """A multipart form with one ``file`` part (the form holds no other fields)."""


class EscrowQuery(Query):
    wallet: WalletAddress | None = None


class OfferCountQuery(Query):
    request_id: Id | None = None
    session_id: Id | None = None


class OfferCount(Response):
    request_id: int
    offers: int
    void: int


class OfferCounts(Response):
    """Offers per request: ``offers`` valid (the latest version of each bidding unit's bid, not
    withdrawn), ``void`` those stored void; requests without an offer are left out."""

    items: list[OfferCount]


def _file(files, field: str = "file"):
    upload = files.get(field)
    if upload is None or not upload.filename:
        raise InvalidInput("send the file in the form field 'file'", code="file_missing")
    return upload


@route(bp, "/requests", "POST", summary="Submit a flexibility request (DSO)", access=DSO_WRITER, body=RequestIn,
       response=RequestOut, status=201, errors=(409, 422))
def submit(principal: Principal, body: RequestIn):
    """Every parameter of seed fig. 10 / table 6; the operator validates it next."""
    request = domain.submit(session(), principal, body, RequestSource.API, context.market().now())
    return show.request(session(), request)


@route(bp, "/requests/upload", "POST", summary="Submit a flexibility request as a JSON or XML file (DSO)",
       access=DSO_WRITER, body=UploadForm, media=("multipart/form-data",), response=RequestOut, status=201,
       errors=(409, 415, 422))
def upload(principal: Principal, form: UploadForm, files):
    """``file``: a ``.json`` (the body of ``POST /requests``) or ``.xml`` file (docs/request.xsd)."""
    f = _file(files)
    data = request_files.read_request(f.filename, f.mimetype, f.read(), RequestIn)
    request = domain.submit(session(), principal, data, RequestSource.FILE, context.market().now())
    return show.request(session(), request)


@route(bp, "/requests", "GET", summary="Requests: published ones are public; a DSO also sees its own, the operator all",
       access=PUBLIC, query=RequestQuery, response=Page[RequestOut])
def list_requests(principal: Principal, query: RequestQuery):
    rows = domain.list_requests(session(), principal, filters={"session_id": query.session_id, "status": query.status,
                                                               "dso_id": query.dso_id},
                                after=query.after, limit=query.limit)
    return Page[RequestOut](items=[show.request(session(), r) for r in rows],
                            next_after=present.next_after(rows, query.limit))


@route(bp, "/requests/offer-counts", "GET",
       summary="How many offers each request has received, never what they are (DSO: its own requests; operator: all)",
       access=DSO_OR_OPERATOR_READER, query=OfferCountQuery, response=OfferCounts)
def offer_counts(principal: Principal, query: OfferCountQuery):
    """The numbers the DSO follows while its requests are open (the offers themselves stay private
    until gate closure, and then only matched ones or, in manual-pick sessions, the valid ones)."""
    void = case((Bid.void_reason.is_not(None), 1), else_=0)
    stmt = (select(Bid.request_id, func.count() - func.sum(void), func.sum(void))
            .join(FlexRequest, FlexRequest.id == Bid.request_id).where(Bid.status == BidStatus.ACTIVE))
    if not principal.is_operator:
        stmt = stmt.where(FlexRequest.dso_id == principal.participant_id)
    if query.request_id is not None:
        stmt = stmt.where(Bid.request_id == query.request_id)
    if query.session_id is not None:
        stmt = stmt.where(FlexRequest.session_id == query.session_id)
    rows = session().execute(stmt.group_by(Bid.request_id).order_by(Bid.request_id)).all()
    return OfferCounts(items=[OfferCount(request_id=r, offers=int(valid), void=int(voided))
                              for r, valid, voided in rows])


@route(bp, "/requests/<id:request_id>", "GET", summary="One request", access=PUBLIC, response=RequestOut,
       errors=(404,))
def get_request(principal: Principal, request_id: int):
    return show.request(session(), domain.get(session(), principal, request_id))


@route(bp, "/requests/<id:request_id>/validate", "POST",
       summary="Validate a request: its published terms and on-chain legs are fixed (operator)",
       access=OPERATOR_WRITER, response=RequestOut, errors=(404, 409, 503))
def validate(principal: Principal, request_id: int):
    return show.request(session(), domain.validate(session(), context.market(), principal, request_id))


@route(bp, "/requests/<id:request_id>/reject", "POST", summary="Reject a request with a reason (operator)",
       access=OPERATOR_WRITER, body=RequestReject, response=RequestOut, errors=(404, 409, 422))
def reject(principal: Principal, request_id: int, body: RequestReject):
    return show.request(session(), domain.reject(session(), principal, request_id, body.reason))


@route(bp, "/requests/<id:request_id>/escrow", "GET",
       summary="The unsigned transactions that escrow a validated request (for the DSO's wallet)",
       access=DSO_WRITER, query=EscrowQuery, response=EscrowOut, errors=(404, 409, 422, 503))
def escrow(principal: Principal, request_id: int, query: EscrowQuery):
    """``approve`` the total escrow on the token, then ``createRequest`` for each leg. Sign and
    send them in order with your wallet (``wallet=`` picks another of your DSO wallets); the
    request is published when the chain shows them."""
    return EscrowOut.model_validate(domain.escrow_transactions(session(), context.market(), principal, request_id,
                                                               query.wallet))


@route(bp, "/requests/<id:request_id>/publish", "POST",
       summary="Report the createRequest transaction: checked against the chain at once (DSO)",
       access=DSO_WRITER, body=TxHashIn, response=RequestOut, errors=(404, 409, 422, 503))
def publish(principal: Principal, request_id: int, body: TxHashIn):
    return show.request(session(), domain.publish(session(), context.market(), principal, request_id, body.tx_hash))


@route(bp, "/requests/<id:request_id>/cancel", "POST",
       summary="Cancel a request before gate closure; its escrow is credited back (DSO, operator)",
       access=DSO_OR_OPERATOR, response=RequestOut, errors=(404, 409, 503))
def cancel(principal: Principal, request_id: int):
    return show.request(session(), domain.cancel(session(), context.market(), principal, request_id))


@route(bp, "/requests/<id:request_id>/documents", "POST", summary="Attach a document to your request (DSO)",
       access=DSO_WRITER, body=UploadForm, media=("multipart/form-data",), response=RequestOut, status=201,
       errors=(404, 409, 413, 415, 422))
def upload_document(principal: Principal, request_id: int, form: UploadForm, files):
    """A ``.pdf`` or ``.xml`` file (at most ``FLEX_MAX_DOCUMENT_BYTES``), stored under its SHA-256."""
    f = _file(files)
    s = context.settings()
    domain.store_document(session(), principal, request_id, f.filename, f.stream, s.documents_path,
                          s.max_document_bytes)
    return show.request(session(), domain.own(session(), principal, request_id))


@route(bp, "/requests/<id:request_id>/documents/<id:document_id>", "GET",
       summary="Download a request's document", access=PUBLIC, response=None,
       response_media="application/octet-stream", errors=(404,))
def get_document(principal: Principal, request_id: int, document_id: int):
    document, path = domain.document_file(session(), principal, request_id, document_id,
                                          context.settings().documents_path)
    reply = send_file(path, mimetype=document.media_type, as_attachment=True, download_name=document.filename)
    reply.headers["X-Content-SHA256"] = document.sha256
    return reply


@route(bp, "/requests/<id:request_id>/pick", "POST",
       summary="Pick offers by hand (manual-pick sessions, after gate closure): awarded in full (DSO)",
       access=DSO_WRITER, body=PickIn, response=PickOut, errors=(404, 409, 422, 503))
def pick(principal: Principal, request_id: int, body: PickIn):
    """``by: operator`` — the operator sends the award on your pick; ``by: wallet`` — you get
    the award transaction(s) (winning bids, signatures and the book's multiproof) to send with
    your own wallet, then report them with ``POST /requests/{id}/awarded``."""
    request, txs = gate.pick(session(), context.market(), principal, request_id, body.bid_ids, body.by)
    return PickOut(request=show.request(session(), request), transactions=[UnsignedTx.model_validate(t) for t in txs])


@route(bp, "/requests/<id:request_id>/awarded", "POST",
       summary="Report your wallet's award transaction: checked against the chain at once (DSO)",
       access=DSO_WRITER, body=TxHashIn, response=RequestOut, errors=(404, 409, 422, 503))
def awarded(principal: Principal, request_id: int, body: TxHashIn):
    return show.request(session(), gate.record_award(session(), context.market(), principal, request_id,
                                                     body.tx_hash))
