"""A book that is not a valid clearing input is refused as a whole, naming the field."""

import pytest

from marketplace.clearing import InvalidBook, NoMarket, clear_book

from .books import EUR, T0, bid, book, demand


def _break(path: list, value) -> dict:
    data = book([bid("b1")])
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value, field",
    [
        (["auction"], KeyError, "book.auction"),
        (["auction", "id"], KeyError, "auction.id"),
        (["auction", "pricing"], "pay_what_you_like", "auction.pricing"),
        (["auction", "product"], 3, "auction.product"),
        (["auction", "traffic_light"], "blue", "auction.traffic_light"),
        (["auction", "allow_overfill"], "yes", "auction.allow_overfill"),
        (["auction", "limits"], {"min_power_w": 5_000, "max_power_w": 1_000}, "auction.limits"),
        (["demands"], [], "book.demands"),
        (["demands"], {"id": "D1"}, "book.demands"),
        (["demands", 0, "price_cap_per_mwh"], -1, "demands[0].price_cap_per_mwh"),
        (["demands", 0, "price_cap_per_mwh"], 1.5, "demands[0].price_cap_per_mwh"),
        (["demands", 0, "price_cap_per_mwh"], True, "demands[0].price_cap_per_mwh"),
        (["demands", 0, "direction"], "sideways", "demands[0].direction"),
        (["demands", 0, "intervals"], [], "demands[0].intervals"),
        (["demands", 0, "intervals"], [{"start": T0 + 1, "quantity_wh": 1}], "demands[0].intervals[0].start"),
        (["demands", 0, "intervals"], [{"start": T0, "quantity_wh": "1"}], "demands[0].intervals[0].quantity_wh"),
        (["bids"], "none", "book.bids"),
        (["bids", 0], "b1", "bids[0]"),
        (["bids", 0, "id"], KeyError, "bids[0].id"),
        (["bids", 0, "id"], 7, "bids[0].id"),
    ],
)
def test_invalid_book_names_the_field(path, value, field):
    with pytest.raises(InvalidBook) as caught:
        clear_book(_break(path, value))
    assert caught.value.details["path"] == field
    assert caught.value.code == "invalid_book"


def test_book_must_be_an_object():
    with pytest.raises(InvalidBook):
        clear_book([1, 2])


def test_duplicate_bid_ids_are_refused():
    with pytest.raises(InvalidBook, match="duplicate bid id 'b1'"):
        clear_book(book([bid("b1"), bid("b1", price_eur=90)]))


def test_two_demands_for_one_location_and_direction_are_refused():
    with pytest.raises(InvalidBook, match="second demand"):
        clear_book(book([bid("b1")], demands=[demand(), demand(id="D2")]))


def test_availability_demand_needs_its_availability_cap():
    data = book([bid("b1", availability_price_per_mw_h=EUR)], product="lt_availability")
    with pytest.raises(InvalidBook) as caught:
        clear_book(data)
    assert caught.value.details["path"] == "demands[0].availability_price_cap_per_mw_h"


@pytest.mark.parametrize("light", ["green", "red"])
def test_green_and_red_lights_hold_no_market(light):
    with pytest.raises(NoMarket, match=f"traffic light is {light}") as caught:
        clear_book(book([bid("b1")], traffic_light=light))
    assert caught.value.code == "no_market"
