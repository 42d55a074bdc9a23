"""The market part of the API tests' world: a market on DSO 1's transformer, sessions in every
state the routes care about, requests (submitted, published short-term and long-term, closed in
a manual-pick session, awarded with agreements), bids, a qualification, a limitation, an
activation, a notification and a webhook — written straight to the database (no chain: the
on-chain legs carry made-up request ids), so the authorization matrix and the bad-input table
reach every market route.
"""

from __future__ import annotations

from eth_utils import keccak
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.market import canonical
from marketplace.models import (
    Activation,
    ActivationInterval,
    Agreement,
    AgreementInterval,
    Bid,
    BidInterval,
    BidLeg,
    ChainRequest,
    FlexRequest,
    Market,
    MarketProduct,
    MarketSession,
    Notification,
    Prequalification,
    Qualification,
    RequestInterval,
    UnitLimitation,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from marketplace.models.base import now_s
from marketplace.models.enums import Direction, PrequalificationPath, PrequalificationStatus, Product
from marketplace.models.market import (
    ActivationStatus,
    AgreementKind,
    AgreementStatus,
    BidOutcome,
    BidStatus,
    ChainRequestStatus,
    DeliveryStatus,
    Horizon,
    Kind,
    Leg,
    QualificationStatus,
    RequestSource,
    RequestStatus,
    SessionMode,
    SessionOrigin,
    SessionStatus,
)
from marketplace.clearing.model import Pricing

DAY = 86_400
MARKET_ADDRESS = "0x" + "11" * 20
CHAIN_ID = 31337


def _quarter(t: int) -> int:
    return t - t % 900 + 900


def build(s: Session, w, documents_path) -> None:
    """Add the market objects to world ``w`` (ids under the names the tables use)."""
    import io

    from marketplace.domain.participants import save_file
    from marketplace.models import RequestDocument
    from tests.api import payloads

    now = now_s()
    products = {p.code: p for p in s.scalars(select(MarketProduct))}
    for user_name in ("dso_user", "fsp_user", "dso2_user", "fsp2_user"):
        s.get(User, w[user_name]).chain_role_granted_at = now
    market = Market(dso_id=w["dso"], name="Trafo A11", grid_element_id=w["dso_mv_lv_substation"], valid_from=0,
                    valid_until=4_000_000_000, created_at=now)
    market.products = [products["ENG_ST_UP_15MIN"], products["PWR_LT_UP_WEEKLY"]]
    s.add(market)
    s.flush()
    w.ids["market"] = market.id
    w.ids["product_st"] = products["ENG_ST_UP_15MIN"].id
    w.ids["product_lt"] = products["PWR_LT_UP_WEEKLY"].id

    def session(code, horizon, mode, status, gate_open, gate_close, start, hours=1) -> MarketSession:
        row = MarketSession(market_id=market.id, code=code, horizon=horizon, mode=mode, pricing=Pricing.PAY_AS_BID,
                            origin=SessionOrigin.MANUAL, status=status, gate_open_at=gate_open,
                            gate_close_at=gate_close, delivery_start=start, delivery_end=start + hours * 3600,
                            award_window_s=3600, attest_window_s=7 * DAY, success_threshold_pct=80, penalty_pct=10,
                            created_at=now)
        s.add(row)
        s.flush()
        w.ids[f"session_{code}"] = row.id
        return row

    st_start = _quarter(now + 2 * DAY)
    lt_start = (now // DAY + 5) * DAY
    st_open = session("st_open", Horizon.SHORT_TERM, SessionMode.AUCTION, SessionStatus.OPEN, now - 60, now + DAY,
                      st_start)
    lt_sched = session("lt_sched", Horizon.LONG_TERM, SessionMode.AUCTION, SessionStatus.SCHEDULED, now + DAY,
                       now + 2 * DAY, lt_start, 24)
    manual = session("manual", Horizon.SHORT_TERM, SessionMode.MANUAL_PICK, SessionStatus.CLOSED, now - 2 * DAY,
                     now - DAY, _quarter(now - DAY + 1800))
    due = session("due", Horizon.SHORT_TERM, SessionMode.AUCTION, SessionStatus.OPEN, now - 2 * DAY, now - DAY,
                  _quarter(now - DAY + 1800))
    done = session("done", Horizon.LONG_TERM, SessionMode.AUCTION, SessionStatus.AWARDED, now - 3 * DAY,
                   now - 2 * DAY, lt_start, 24)
    del due

    def request(name, sess, product, status, intervals, **extra) -> FlexRequest:
        row = FlexRequest(session_id=sess.id, dso_id=w["dso"], product_id=product.id,
                          grid_element_id=w["dso_mv_lv_substation"], direction=product.direction,
                          source=RequestSource.API, status=status, price_cap_per_mwh=200_000_000,
                          total_wh=sum(q for _, q in intervals), delivery_start=intervals[0][0],
                          delivery_end=intervals[-1][0] + 900, created_at=now, created_by_user_id=w["dso_user"],
                          published_at=None if status in (RequestStatus.SUBMITTED,) else now, **extra)
        s.add(row)
        s.flush()
        s.add_all(RequestInterval(request_id=row.id, start=a, quantity_wh=q) for a, q in intervals)
        w.ids[f"req_{name}"] = row.id
        return row

    def leg(row: FlexRequest, kind: Leg, onchain_id: int, status: ChainRequestStatus, quantity: int) -> ChainRequest:
        terms = ChainRequest(request_id=row.id, leg=kind, chain_id=CHAIN_ID, market_address=MARKET_ADDRESS,
                             status=status, onchain_id=onchain_id, dso_address=s.get(User, w["dso_user"]).wallet_address,
                             gate_closure=row.session.gate_close_at, award_deadline=row.session.gate_close_at + 3600,
                             delivery_end=row.delivery_end, attest_deadline=row.delivery_end + 7 * DAY,
                             quantity_wh=quantity, price_cap_per_mwh=200_000_000, success_threshold_pct=80,
                             penalty_pct=10, pay_as_clear=False, ref=canonical.keccak_hex(f"ref:{row.id}:{kind}"),
                             location=canonical.keccak_hex("loc"), escrow=quantity * 200, updated_at=now)
        s.add(terms)
        s.flush()
        return terms

    st = products["ENG_ST_UP_15MIN"]
    lt = products["PWR_LT_UP_WEEKLY"]
    w.ids["st_start"] = st_start
    w.ids["lt_start"] = lt_start
    request("submitted", st_open, st, RequestStatus.SUBMITTED, [(st_start, 40_000)])
    validated = request("validated", st_open, st, RequestStatus.VALIDATED, [(st_start, 40_000)], canonical="{}",
                        validated_at=now)
    validated.published_at = None
    leg(validated, Leg.ENERGY, None, ChainRequestStatus.PENDING, 40_000)
    published = request("published", st_open, st, RequestStatus.PUBLISHED, [(st_start, 40_000), (st_start + 900, 40_000)],
                        canonical="{}")
    st_leg = leg(published, Leg.ENERGY, 1, ChainRequestStatus.CREATED, 80_000)
    media_type, size, digest, name = save_file("grid-study.pdf", io.BytesIO(payloads.PDF), documents_path, 10**7)
    document = RequestDocument(request_id=published.id, filename=name, media_type=media_type, size_bytes=size,
                               sha256=digest, uploaded_at=now)
    s.add(document)
    s.flush()
    w.ids["request_document"] = document.id
    lt_req = request("lt", lt_sched, lt, RequestStatus.PUBLISHED, [(lt_start + 900 * k, 2_000) for k in range(8)],
                     required_power_w=8_000, availability_price_cap_per_mw_h=25_000_000, estimated_activation_hours=1,
                     canonical="{}")
    leg(lt_req, Leg.AVAILABILITY, 2, ChainRequestStatus.CREATED, 16_000)
    leg(lt_req, Leg.ACTIVATION, 3, ChainRequestStatus.CREATED, 4_000)
    closed = request("closed", manual, st, RequestStatus.CLOSED, [(manual.delivery_start, 40_000)], canonical="{}")
    leg(closed, Leg.ENERGY, 4, ChainRequestStatus.CREATED, 40_000)
    awarded = request("awarded", done, lt, RequestStatus.AWARDED, [(lt_start + 900 * k, 2_000) for k in range(8)],
                      required_power_w=8_000, availability_price_cap_per_mw_h=25_000_000, estimated_activation_hours=1,
                      canonical="{}", awarded_at=now)
    awarded_leg = leg(awarded, Leg.AVAILABILITY, 5, ChainRequestStatus.AWARDED, 16_000)

    # the FSP's asset B (in Unit B) on DSO 1's grid is prequalified for long-term availability up
    prequalified = Prequalification(asset_id=w["asset_b"], product=Product.LT_AVAILABILITY, direction=Direction.UP,
                                    path=PrequalificationPath.REVIEW, status=PrequalificationStatus.QUALIFIED,
                                    requested_at=now, decided_at=now, qualified_power_w=8_000)
    s.add(prequalified)
    s.flush()
    w.ids["pq_lt"] = prequalified.id
    qualification = Qualification(request_id=lt_req.id, asset_id=w["asset"], fsp_id=w["fsp"],
                                  qualified_power_w=8_000, guarantee=400, status=QualificationStatus.PENDING,
                                  requested_at=now)
    s.add(qualification)
    s.flush()
    w.ids["qualification"] = qualification.id

    def bid(name, request_row, chain_leg, *, status=BidStatus.ACTIVE, outcome=None, version=1) -> Bid:
        row = Bid(request_id=request_row.id, bidding_unit_id=w["unit"], fsp_id=w["fsp"], version=version,
                  status=status, kind=Kind.ST, direction=Direction.UP, divisible=False, min_quantity_wh=0,
                  quantity_wh=20_000, price_per_mwh=100_000_000, guarantee=0, terms="{}",
                  terms_hash=canonical.keccak_hex(f"terms:{name}"), signer_address=s.get(User, w["fsp_user"]).wallet_address,
                  submitted_at=now, outcome=outcome, accepted_wh=20_000 if outcome else None)
        s.add(row)
        s.flush()
        s.add(BidInterval(bid_id=row.id, start=request_row.delivery_start, quantity_wh=20_000))
        s.add(BidLeg(bid_id=row.id, chain_request_id=chain_leg.id, leg=chain_leg.leg, onchain_request_id=chain_leg.onchain_id,
                     fsp_address=row.signer_address, quantity_wh=20_000, min_quantity_wh=20_000,
                     price_per_mwh=100_000_000, guarantee=0, terms_hash=row.terms_hash,
                     digest="0x" + keccak(f"digest:{name}".encode()).hex(), signature="0x" + "00" * 65))
        s.flush()
        w.ids[f"bid_{name}"] = row.id
        return row

    bid("open", published, st_leg)
    closed_leg = s.scalars(select(ChainRequest).where(ChainRequest.request_id == closed.id)).one()
    bid("closed", closed, closed_leg)
    won = bid("won", awarded, awarded_leg, outcome=BidOutcome.ACCEPTED)

    agreement = Agreement(
        agreement_id="0x" + keccak(b"digest:won").hex(), chain_id=CHAIN_ID, market_address=MARKET_ADDRESS,
        chain_request_id=awarded_leg.id, request_id=awarded.id, session_id=done.id, bid_id=won.id,
        bid_leg_id=s.scalars(select(BidLeg.id).where(BidLeg.bid_id == won.id)).one(),
        bidding_unit_id=w["unit"], dso_id=w["dso"], fsp_id=w["fsp"], kind=AgreementKind.AVAILABILITY,
        direction=Direction.UP, status=AgreementStatus.ACTIVE, onchain_request_id=5,
        dso_address=awarded_leg.dso_address, fsp_address=won.signer_address, quantity_wh=16_000,
        price_per_mwh=10_000_000, guarantee=0, delivery_end=awarded.delivery_end,
        attest_deadline=awarded.delivery_end + 7 * DAY, success_threshold_pct=0, penalty_pct=0,
        delivery_start=awarded.delivery_start, amount=160, baseline_method="pre_window", baseline_params={},
        awarded_tx="0x" + "22" * 32, awarded_block=1, created_at=now)
    s.add(agreement)
    s.flush()
    s.add_all(AgreementInterval(agreement_id=agreement.id, start=i.start, quantity_wh=i.quantity_wh)
              for i in awarded.intervals)
    w.ids["agreement"] = agreement.id
    activation = Activation(agreement_id=agreement.id, request_id=awarded.id, bidding_unit_id=w["unit"],
                            dso_id=w["dso"], fsp_id=w["fsp"], direction=Direction.UP, status=ActivationStatus.ORDERED,
                            start=lt_start, end=lt_start + 900, total_wh=2_000, ordered_at=now)
    s.add(activation)
    s.flush()
    s.add(ActivationInterval(activation_id=activation.id, start=lt_start, quantity_wh=2_000))
    w.ids["activation"] = activation.id

    limitation = UnitLimitation(dso_id=w["dso"], bidding_unit_id=w["unit"], direction=None, max_power_w=4_000,
                                valid_from=now, valid_until=None, reason="feeder works", source=RequestSource.API,
                                created_at=now)
    s.add(limitation)
    note = Notification(participant_id=w["fsp"], event="request.published", title="New request", data={},
                        created_at=now)
    s.add(note)
    hook = WebhookSubscription(participant_id=w["fsp"], url="https://example.org/hook", events=["results.published"],
                               secret="whsec_test", active=True, created_at=now)
    s.add(hook)
    s.flush()
    s.add(WebhookDelivery(subscription_id=hook.id, event="results.published", payload="{}",
                          status=DeliveryStatus.DELIVERED, attempts=1, next_attempt_at=now, created_at=now))
    w.ids["limitation"] = limitation.id
    w.ids["notification"] = note.id
    w.ids["webhook"] = hook.id
    s.flush()
