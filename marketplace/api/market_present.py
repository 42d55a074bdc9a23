"""Market models to response schemas."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from marketplace.market import activations as activation_domain
from marketplace.market import catalogue
from marketplace.market import requests as request_domain
from marketplace.models import (
    Activation,
    Agreement,
    Bid,
    FlexRequest,
    Market,
    MarketProduct,
    MarketSession,
    Notification,
    Qualification,
    UnitLimitation,
    WebhookDelivery,
    WebhookSubscription,
)
from marketplace.models.market import FlexibilityNeed
from marketplace.schemas.market import (
    ActivationOut,
    AgreementOut,
    BidOut,
    ChainLegOut,
    DeliveryOut,
    LimitationOut,
    MarketOut,
    NeedOut,
    NotificationOut,
    ProductOut,
    QualificationOut,
    RequestOut,
    SessionOut,
    UnsignedTx,
    WebhookOut,
)


def product(p: MarketProduct) -> ProductOut:
    return ProductOut.model_validate(catalogue.product_dict(p))


def market(m: Market) -> MarketOut:
    return MarketOut.model_validate(catalogue.market_dict(m))


def session_(s: MarketSession) -> SessionOut:
    return SessionOut.model_validate(s)


def need(n: FlexibilityNeed) -> NeedOut:
    return NeedOut.model_validate(n)


def _window(r: FlexRequest) -> dict[str, Any] | None:
    if r.service_start_date is None:
        return None
    return {"start_date": r.service_start_date, "end_date": r.service_end_date, "days": r.service_days,
            "start_period_s": r.start_period_s, "end_period_s": r.end_period_s, "timezone": r.timezone,
            "bank_holidays": list(r.bank_holidays), "bank_holidays_included": r.bank_holidays_included}


def request(session: Session, r: FlexRequest) -> RequestOut:
    legs = [ChainLegOut(leg=leg.leg, status=leg.status, chain_id=leg.chain_id, market_address=leg.market_address,
                        onchain_id=leg.onchain_id, terms=request_domain.leg_terms(leg), location=leg.location,
                        escrow=leg.escrow, book_root=leg.book_root, awarded_wh=leg.awarded_wh, agreed=leg.agreed,
                        refund=leg.refund) for leg in r.legs]
    documents = [{"id": d.id, "filename": d.filename, "media_type": d.media_type, "size_bytes": d.size_bytes,
                  "sha256": d.sha256, "uploaded_at": d.uploaded_at} for d in request_domain.documents_of(session, r.id)]
    fields = {k: getattr(r, k) for k in (
        "id", "session_id", "dso_id", "product_id", "grid_element_id", "zone_id", "direction", "source", "status",
        "status_reason", "required_power_w", "min_bid_power_w", "price_cap_per_mwh", "min_activation_price_per_mwh",
        "availability_price_cap_per_mw_h", "estimated_activation_hours", "commitment_mandatory",
        "minimal_lead_time_s", "additional_info", "lt_request_id", "total_wh", "delivery_start", "delivery_end",
        "created_at", "validated_at", "published_at", "awarded_at")}
    return RequestOut(**fields, product_code=r.product.code, category=r.product.category,
                      service_window=_window(r), gate_close_at=r.session.gate_close_at,
                      intervals=[{"start": i.start, "quantity_wh": i.quantity_wh} for i in r.intervals],
                      legs=legs, documents=documents)


def qualification(q: Qualification, deposit: list[dict] | None = None) -> QualificationOut:
    out = QualificationOut.model_validate(q)
    if deposit:
        out.deposit_transactions = [UnsignedTx.model_validate(tx) for tx in deposit]
    return out


def limitation(row: UnitLimitation) -> LimitationOut:
    return LimitationOut.model_validate(row)


def bid(b: Bid) -> BidOut:
    fields = {k: getattr(b, k) for k in BidOut.model_fields if k not in ("intervals", "legs")}
    return BidOut(**fields, intervals=[{"start": i.start, "quantity_wh": i.quantity_wh} for i in b.intervals],
                  legs=[{"leg": x.leg, "onchain_request_id": x.onchain_request_id, "quantity_wh": x.quantity_wh,
                         "min_quantity_wh": x.min_quantity_wh, "price_per_mwh": x.price_per_mwh,
                         "guarantee": x.guarantee, "digest": x.digest} for x in b.legs])


def agreement(session: Session, a: Agreement) -> AgreementOut:
    fields = {k: getattr(a, k) for k in AgreementOut.model_fields if k not in ("intervals", "meter_ids")}
    return AgreementOut(**fields, meter_ids=activation_domain.meter_ids(session, a.bidding_unit_id),
                        intervals=[{"start": i.start, "quantity_wh": i.quantity_wh} for i in a.intervals])


def activation(session: Session, a: Activation) -> ActivationOut:
    fields = {k: getattr(a, k) for k in ActivationOut.model_fields if k not in ("intervals", "meter_ids")}
    return ActivationOut(**fields, meter_ids=activation_domain.meter_ids(session, a.bidding_unit_id),
                         intervals=[{"start": i.start, "quantity_wh": i.quantity_wh} for i in a.intervals])


def notification(n: Notification) -> NotificationOut:
    return NotificationOut.model_validate(n)


def webhook(w: WebhookSubscription, *, with_secret: bool = False) -> WebhookOut:
    out = WebhookOut.model_validate(w)
    out.secret = w.secret if with_secret else None
    return out


def delivery(d: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(d)
