//! Report formats: human-readable text, JSON lines, JUnit XML.

pub mod jsonl;
pub mod junit;
pub mod text;
