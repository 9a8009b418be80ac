//! A bounded record of the requests a mock received, for tests that ask "what did my
//! client send?". Recorded by the same middleware that serves the request, so the journal
//! and what the mock did cannot disagree.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// One request as the mock saw it.
#[derive(Clone, Debug, Serialize)]
pub struct JournalEntry {
    pub at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub elapsed_ms: f64,
}

/// Keeps the last `capacity` requests; older ones are dropped first.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Mutex<VecDeque<JournalEntry>>>,
    capacity: usize,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(VecDeque::new())),
            capacity,
        }
    }

    pub fn record(&self, entry: JournalEntry) {
        if self.capacity == 0 {
            return;
        }
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() == self.capacity {
            q.pop_front();
        }
        q.push_back(entry);
    }

    /// Oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        let q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        q.iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
