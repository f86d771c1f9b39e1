"""The stages behind iclr_helpers: one module per stage, in the order data flows (see the README)."""
