"""Qualification for long-term auctions, the DSO's limitations on bidding units, and signed bids."""

from __future__ import annotations

from flask import Blueprint

from marketplace.api import context, present
from marketplace.api import market_present as show
from marketplace.api.flex_requests import UploadForm, _file
from marketplace.api.registry import roles, route
from marketplace.db import session
from marketplace.domain.principal import Principal
from marketplace.market import bids as bid_domain
from marketplace.market import qualification as qualification_domain
from marketplace.market import request_files
from marketplace.models.enums import Grant, ParticipantRole
from marketplace.models.market import RequestSource
from marketplace.schemas.common import Ok, Page, Paging
from marketplace.schemas.market import (
    BidIn,
    BidOut,
    BidQuery,
    LimitationOut,
    LimitationsIn,
    QualificationIn,
    QualificationOut,
    QualificationQuery,
    ReviewIn,
    TypedDataIn,
    TypedDataOut,
)

bp = Blueprint("trading", __name__, url_prefix="/api/v1")

READER = roles(ParticipantRole.MARKET_OPERATOR, ParticipantRole.DSO, ParticipantRole.FSP)
FSP_WRITER = roles(ParticipantRole.FSP, grant=Grant.TRADER)
DSO_WRITER = roles(ParticipantRole.DSO, grant=Grant.TRADER)
OPERATOR_WRITER = roles(ParticipantRole.MARKET_OPERATOR, grant=Grant.TRADER)


# ---------------------------------------------------------------------------------- qualification
@route(bp, "/requests/<id:request_id>/qualifications", "POST",
       summary="Qualify a prequalified asset for a long-term auction (FSP)", access=FSP_WRITER, body=QualificationIn,
       response=QualificationOut, status=201, errors=(404, 409, 422, 503))
def request_qualification(principal: Principal, request_id: int, body: QualificationIn):
    """Between the request's publication and the auction's opening. The guarantee is computed
    from the qualified power; ``deposit_transactions`` (approve + depositGuarantee) cover what
    your free guarantee on chain lacks — send them from the wallet that signs your bids."""
    services = context.market()
    row = qualification_domain.request_qualification(session(), services, principal, request_id, body)
    shortfall = qualification_domain.shortfall(session(), services, principal.participant_id)
    return show.qualification(row, qualification_domain.deposit_transactions(services, shortfall)), 201


@route(bp, "/qualifications", "GET", summary="Qualifications (FSP own, DSO of its requests, operator all)",
       access=READER, query=QualificationQuery, response=Page[QualificationOut])
def list_qualifications(principal: Principal, query: QualificationQuery):
    rows = qualification_domain.list_qualifications(session(), principal, filters={
        "request_id": query.request_id, "status": query.status}, after=query.after, limit=query.limit)
    return Page[QualificationOut](items=[show.qualification(q) for q in rows],
                                  next_after=present.next_after(rows, query.limit))


@route(bp, "/qualifications/<id:qualification_id>", "GET", summary="One qualification", access=READER,
       response=QualificationOut, errors=(404,))
def get_qualification(principal: Principal, qualification_id: int):
    return show.qualification(qualification_domain.get(session(), principal, qualification_id))


@route(bp, "/qualifications/<id:qualification_id>/dso-review", "POST",
       summary="Technical validation by the requesting DSO", access=DSO_WRITER, body=ReviewIn,
       response=QualificationOut, errors=(404, 409, 422))
def dso_review(principal: Principal, qualification_id: int, body: ReviewIn):
    return show.qualification(qualification_domain.dso_review(session(), context.market(), principal,
                                                              qualification_id, body))


@route(bp, "/qualifications/<id:qualification_id>/operator-review", "POST",
       summary="Guarantee validation by the operator (checks the guarantee on chain)", access=OPERATOR_WRITER,
       body=ReviewIn, response=QualificationOut, errors=(404, 409, 422, 503))
def operator_review(principal: Principal, qualification_id: int, body: ReviewIn):
    return show.qualification(qualification_domain.operator_review(session(), context.market(), principal,
                                                                   qualification_id, body))


# ---------------------------------------------------------------------------------- limitations
@route(bp, "/limitations", "POST", summary="Limit bidding units on your grid for short-term auctions (DSO)",
       access=DSO_WRITER, body=LimitationsIn, response=Page[LimitationOut], status=201, errors=(422,))
def set_limitations(principal: Principal, body: LimitationsIn):
    rows = qualification_domain.set_limitations(session(), principal, body.items, RequestSource.API)
    return Page[LimitationOut](items=[show.limitation(r) for r in rows], next_after=None)


@route(bp, "/limitations/upload", "POST", summary="Limit bidding units by file: JSON or XML (DSO)",
       access=DSO_WRITER, body=UploadForm, media=("multipart/form-data",), response=Page[LimitationOut],
       status=201, errors=(415, 422))
def upload_limitations(principal: Principal, form: UploadForm, files):
    f = _file(files)
    data = request_files.read_limitations(f.filename, f.mimetype, f.read(), LimitationsIn)
    rows = qualification_domain.set_limitations(session(), principal, data.items, RequestSource.FILE)
    return Page[LimitationOut](items=[show.limitation(r) for r in rows], next_after=None)


@route(bp, "/limitations", "GET", summary="Limitations (DSO own, FSP on its units, operator all)", access=READER,
       query=Paging, response=Page[LimitationOut])
def list_limitations(principal: Principal, query: Paging):
    rows = qualification_domain.list_limitations(session(), principal, after=query.after, limit=query.limit)
    return Page[LimitationOut](items=[show.limitation(r) for r in rows], next_after=present.next_after(rows, query.limit))


@route(bp, "/limitations/<id:limitation_id>", "DELETE", summary="Lift a limitation (DSO)", access=DSO_WRITER,
       response=Ok, errors=(404,))
def delete_limitation(principal: Principal, limitation_id: int):
    qualification_domain.delete_limitation(session(), principal, limitation_id)
    return Ok()


# ---------------------------------------------------------------------------------- bids
@route(bp, "/requests/<id:request_id>/bids/typed-data", "POST",
       summary="The EIP-712 typed data to sign for a bid (FSP)", access=FSP_WRITER, body=TypedDataIn,
       response=TypedDataOut, errors=(404, 409, 422), writes=False)
def typed_data(principal: Principal, request_id: int, body: TypedDataIn):
    """One ``Bid`` per on-chain leg, over keccak256 of the canonical terms (returned too).
    Sign each with ``eth_signTypedData_v4``; nothing is stored."""
    return TypedDataOut.model_validate(bid_domain.prepare(session(), principal, request_id, body.terms, body.signer,
                                                          context.market().now()))


@route(bp, "/requests/<id:request_id>/bids", "POST",
       summary="Submit a signed bid (or a new version of your unit's bid) until gate closure (FSP)",
       access=FSP_WRITER, body=BidIn, response=BidOut, status=201, errors=(404, 409, 422))
def submit_bid(principal: Principal, request_id: int, body: BidIn):
    """The terms as signed, the signer and one signature per leg. The signer must be one of your
    wallets holding the FSP role; ``terms.version`` the next version. A void or ineligible bid
    is stored with ``void_reason`` and takes no part in the book."""
    return show.bid(bid_domain.submit(session(), context.market(), principal, request_id, body))


@route(bp, "/bids", "GET", summary="Bids you may see (yours; a DSO its matched ones after results)", access=READER,
       query=BidQuery, response=Page[BidOut])
def list_bids(principal: Principal, query: BidQuery):
    rows = bid_domain.list_bids(session(), principal, context.market().now(),
                                filters={"request_id": query.request_id, "status": query.status},
                                after=query.after, limit=query.limit)
    return Page[BidOut](items=[show.bid(b) for b in rows], next_after=present.next_after(rows, query.limit))


@route(bp, "/bids/<id:bid_id>", "GET", summary="One bid (if you may see it)", access=READER, response=BidOut,
       errors=(404,))
def get_bid(principal: Principal, bid_id: int):
    return show.bid(bid_domain.get(session(), principal, bid_id, context.market().now()))


@route(bp, "/bids/<id:bid_id>/withdraw", "POST", summary="Withdraw your bid before gate closure (FSP)",
       access=FSP_WRITER, response=BidOut, errors=(404, 409))
def withdraw(principal: Principal, bid_id: int):
    return show.bid(bid_domain.withdraw(session(), context.market(), principal, bid_id))
