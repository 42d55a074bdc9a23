"""The order-book Merkle tree committed on chain at gate closure.

Leaves are the bids' EIP-712 digests (32 bytes each), sorted ascending so the root does not
depend on the order bids arrived in, and padded with zero words to a power of two (a perfect
tree; no bid digest is zero). Inner nodes hash their two children in ascending order
(keccak256(min ‖ max)), the convention of OpenZeppelin's ``MerkleProof``. A leaf (66-byte
preimage) can never equal an inner node (64-byte preimage).

An award proves all its winners at once with one *multiproof* (OpenZeppelin's
``multiProofVerify``): the winners in leaf order, the sibling nodes they need, and one flag
per inner node computed. An empty book commits ``EMPTY_BOOK_ROOT``, which nothing proves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import keccak

#: Root committed for a book without bids: keccak256 of nothing.
EMPTY_BOOK_ROOT = keccak(b"")
_PAD = b"\x00" * 32


def hash_pair(a: bytes, b: bytes) -> bytes:
    """keccak256 of the two nodes in ascending byte order."""
    return keccak(a + b) if a <= b else keccak(b + a)


@dataclass(frozen=True)
class Multiproof:
    """Proof that ``leaves`` (in leaf order) are in the tree: the contract's award arguments."""

    leaves: list[bytes]
    proof: list[bytes]
    flags: list[bool]


class OrderBookTree:
    """A perfect Merkle tree over bid digests, with single proofs and multiproofs."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        unique = sorted(set(leaves))
        for leaf in unique:
            if len(leaf) != 32 or leaf == _PAD:
                raise ValueError("order-book leaves are non-zero 32-byte bid digests")
        self.leaves = unique
        width = 1
        while width < len(unique):
            width *= 2
        level = unique + [_PAD] * (width - len(unique))
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            level = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level), 2)]
            self.levels.append(level)
        self._index = {leaf: i for i, leaf in enumerate(unique)}

    @property
    def root(self) -> bytes:
        return self.levels[-1][0] if self.leaves else EMPTY_BOOK_ROOT

    def __contains__(self, leaf: bytes) -> bool:
        return leaf in self._index

    def proof(self, leaf: bytes) -> list[bytes]:
        """Sibling hashes from ``leaf`` up to the root; KeyError when not a leaf."""
        index = self._index[leaf]
        proof = []
        for level in self.levels[:-1]:
            proof.append(level[index ^ 1])
            index //= 2
        return proof

    def multiproof(self, chosen: Iterable[bytes]) -> Multiproof:
        """One proof for several leaves; KeyError when one is not a leaf.

        The leaves come back in leaf (ascending digest) order, the order the contract
        requires for the awards.
        """
        positions = sorted({self._index[leaf] for leaf in chosen})
        leaves = [self.levels[0][p] for p in positions]
        proof: list[bytes] = []
        flags: list[bool] = []
        for level in self.levels[:-1]:
            parents = []
            i = 0
            while i < len(positions):
                position = positions[i]
                if i + 1 < len(positions) and positions[i + 1] == position ^ 1:
                    flags.append(True)
                    i += 2
                else:
                    flags.append(False)
                    proof.append(level[position ^ 1])
                    i += 1
                parents.append(position // 2)
            positions = parents
        return Multiproof(leaves, proof, flags)


def verify(proof: Iterable[bytes], root: bytes, leaf: bytes) -> bool:
    """Whether ``proof`` leads from ``leaf`` to ``root``."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


def verify_multi(multiproof: Multiproof, root: bytes) -> bool:
    """Whether ``multiproof`` shows its leaves under ``root`` (the contract's check, in Python)."""
    leaves, proof, flags = multiproof.leaves, multiproof.proof, multiproof.flags
    if len(leaves) + len(proof) != len(flags) + 1:
        return False
    if not flags:
        return (leaves[0] if leaves else proof[0]) == root
    queue = list(leaves)
    hashes: list[bytes] = []
    leaf_pos = hash_pos = proof_pos = 0

    def pop() -> bytes:
        nonlocal leaf_pos, hash_pos
        if leaf_pos < len(queue):
            leaf_pos += 1
            return queue[leaf_pos - 1]
        hash_pos += 1
        return hashes[hash_pos - 1]

    for flag in flags:
        a = pop()
        if flag:
            b = pop()
        else:
            if proof_pos >= len(proof):
                return False
            b = proof[proof_pos]
            proof_pos += 1
        hashes.append(hash_pair(a, b))
    return proof_pos == len(proof) and hashes[-1] == root
