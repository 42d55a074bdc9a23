"""The order-book tree: proofs and multiproofs verify, and nothing else does."""

from __future__ import annotations

import pytest
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.chain.merkle import EMPTY_BOOK_ROOT, Multiproof, OrderBookTree, verify, verify_multi

LEAF = st.binary(min_size=32, max_size=32).filter(lambda b: b != b"\x00" * 32)


@settings(max_examples=150, deadline=None)
@given(leaves=st.lists(LEAF, min_size=1, max_size=40, unique=True), data=st.data())
def test_every_leaf_and_every_subset_proves_under_the_root(leaves, data):
    tree = OrderBookTree(leaves)
    assert tree.root == OrderBookTree(reversed(leaves)).root  # order independent
    for leaf in leaves:
        assert verify(tree.proof(leaf), tree.root, leaf)
    chosen = data.draw(st.lists(st.sampled_from(leaves), min_size=1, unique=True))
    multi = tree.multiproof(chosen)
    assert multi.leaves == sorted(chosen)
    assert verify_multi(multi, tree.root)


@settings(max_examples=100, deadline=None)
@given(leaves=st.lists(LEAF, min_size=2, max_size=20, unique=True), outsider=LEAF)
def test_a_leaf_outside_the_book_does_not_prove(leaves, outsider):
    tree = OrderBookTree(leaves)
    if outsider in leaves:
        return
    honest = tree.multiproof([leaves[0]])
    forged = Multiproof([outsider], honest.proof, honest.flags)
    assert not verify_multi(forged, tree.root)
    assert not verify(tree.proof(leaves[0]), tree.root, outsider)


def test_single_leaf_tree_root_is_the_leaf_and_empty_book_has_a_fixed_root():
    leaf = keccak(b"bid")
    assert OrderBookTree([leaf]).root == leaf
    assert OrderBookTree([]).root == EMPTY_BOOK_ROOT == keccak(b"")


def test_leaves_must_be_nonzero_32_byte_digests():
    with pytest.raises(ValueError):
        OrderBookTree([b"short"])
    with pytest.raises(ValueError):
        OrderBookTree([b"\x00" * 32])
