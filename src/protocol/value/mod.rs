//! Placeholder until the value layer lands.
