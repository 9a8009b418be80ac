//! Report formats: human-readable text, JSON lines, JUnit XML.

pub mod junit;
pub mod jsonl;
pub mod text;
