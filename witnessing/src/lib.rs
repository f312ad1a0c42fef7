//! The log's side of witnessing (C2SP tlog-witness, the client): each checkpoint the log
//! signs is sent to every witness of the policy that has a URL, with a consistency proof from
//! the size that witness holds; the cosignatures that come back are verified with the
//! witness's key and stored beside the checkpoint (`store::witnessed`); the checkpoint the
//! policy's quorum holds for is the one the service publishes ([`Witnessing::published`]).
//!
//! It runs beside the appender, never in its path: one task reads the latest signed
//! checkpoint (woken by `store::checkpoint::signed_in_process`, and polling for checkpoints
//! signed by other processes), one task per witness pushes it, concurrently and each with its
//! own timeout and backoff, and one task recomputes what is published when a cosignature is
//! stored. A witness that refuses a checkpoint as inconsistent (422), that does not know the
//! log or its key (404, 403), that answers without a valid cosignature, or that cannot be
//! reached for longer than [`Options::unreachable_alarm`] raises an alarm
//! ([`Witnessing::status`], the gauge `htx_witness_alarm{witness}`, an error in the log).

mod push;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use store::witnessed::{self, WitnessedCheckpoint};
use store::{Database, StoreError, StoredCheckpoint};
use tlog::policy::Policy;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use push::PushError;

/// How the witnessing runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The longest one `add-checkpoint` request may take.
    pub timeout: Duration,
    /// A witness that has not cosigned for this long while a checkpoint waits for it (it does
    /// not answer, or answers with errors) raises the alarm.
    pub unreachable_alarm: Duration,
    /// How often the database is read for checkpoints signed by another process.
    pub poll: Duration,
    /// The first wait after a failed request; doubled after each failure, up to
    /// `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// After a refusal that raises the alarm (422, 403, 404), the same checkpoint is sent
    /// again only this long after (a new checkpoint is sent at once).
    pub alarm_retry: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(10),
            unreachable_alarm: Duration::from_secs(30),
            poll: Duration::from_millis(200),
            min_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            alarm_retry: Duration::from_secs(60),
        }
    }
}

/// What kind of alarm a witness raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlarmKind {
    /// 422: the witness refuses the log's checkpoint as inconsistent with what it cosigned
    /// before: a fork, or a rewritten history. Serious: compare both checkpoints now.
    Inconsistent,
    /// 403, 404, or an answer without a valid cosignature: the witness does not know this
    /// log or its key, or the policy has the wrong witness key or URL.
    Misconfigured,
    /// No cosignature for longer than the configured time while a checkpoint waits.
    Unreachable,
}

impl AlarmKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::Inconsistent => "inconsistent",
            AlarmKind::Misconfigured => "misconfigured",
            AlarmKind::Unreachable => "unreachable",
        }
    }
}

/// An alarm a witness holds: what, since when, and the sentence (Vietnamese / English).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alarm {
    pub kind: AlarmKind,
    pub since: DateTime<Utc>,
    pub message: String,
}

/// One policy witness as the log sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WitnessStatus {
    /// Its name in the policy.
    pub name: String,
    /// Its key's name (the name on its cosignature lines).
    pub key: String,
    /// Its submission prefix; `None`: the policy gives none and nothing is sent to it.
    pub url: Option<String>,
    /// The size the witness holds, as last learnt (its cosignature, or its 409).
    pub held_size: Option<u64>,
    /// The largest checkpoint it cosigned that the log stored.
    pub cosigned_size: Option<u64>,
    /// The time that cosignature states.
    pub cosigned_at: Option<DateTime<Utc>>,
    /// The last failure, until a cosignature arrives.
    pub last_error: Option<String>,
    pub alarm: Option<Alarm>,
}

/// The witnessing of one log against one policy; see the crate's documentation.
pub struct Witnessing {
    db: Database,
    policy: Policy,
    options: Options,
    status: Mutex<Vec<WitnessStatus>>,
    published: watch::Sender<Option<WitnessedCheckpoint>>,
    signed: watch::Sender<Option<StoredCheckpoint>>,
    cosigned: Notify,
}

impl std::fmt::Debug for Witnessing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witnessing")
            .field("witnesses", &self.status())
            .finish_non_exhaustive()
    }
}

impl Witnessing {
    /// Loads what was witnessed before (a restarted service publishes it at once) and starts
    /// the tasks; they stop when the returned handle is aborted.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn spawn(
        db: Database,
        policy: Policy,
        options: Options,
    ) -> Result<(Arc<Witnessing>, JoinHandle<()>), StoreError> {
        let published = witnessed::latest(&db, &policy).await?;
        let signed = store::checkpoint::latest(&db).await?;
        let mut status = Vec::new();
        for witness in policy.witnesses() {
            let last = witnessed::latest_of(&db, witness.key.name()).await?;
            status.push(WitnessStatus {
                name: witness.name.clone(),
                key: witness.key.name().to_owned(),
                url: witness.url.clone(),
                held_size: None,
                cosigned_size: last.as_ref().map(|c| c.size),
                cosigned_at: last.as_ref().and_then(|c| timestamp(c.cosigned_at)),
                last_error: None,
                alarm: None,
            });
            metrics::gauge!("htx_witness_alarm", "witness" => witness.name.clone()).set(0.0);
            if let Some(last) = &last {
                metrics::gauge!("htx_witness_cosigned_size", "witness" => witness.name.clone())
                    .set(last.size as f64);
            }
        }
        if let Some(published) = &published {
            metrics::gauge!("htx_witnessed_checkpoint_size").set(published.checkpoint.size as f64);
        }
        let witnessing = Arc::new(Witnessing {
            db,
            policy,
            options,
            status: Mutex::new(status),
            published: watch::Sender::new(published),
            signed: watch::Sender::new(signed),
            cosigned: Notify::new(),
        });
        let running = witnessing.clone();
        let task = tokio::spawn(async move {
            let mut tasks = JoinSet::new();
            tasks.spawn(running.clone().watch_signed());
            tasks.spawn(running.clone().publish());
            for (index, witness) in running.policy.witnesses().iter().enumerate() {
                if let Some(url) = &witness.url {
                    tasks.spawn(push::run(running.clone(), index, url.clone()));
                }
            }
            // Dropping the set (the task aborted) aborts them all.
            while tasks.join_next().await.is_some() {}
        });
        Ok((witnessing, task))
    }

    /// The policy witnessed against.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Every policy witness with what the log knows of it, in the policy's order.
    pub fn status(&self) -> Vec<WitnessStatus> {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The alarms held, by witness name.
    pub fn alarms(&self) -> Vec<(String, Alarm)> {
        self.status()
            .into_iter()
            .filter_map(|w| w.alarm.map(|a| (w.name, a)))
            .collect()
    }

    /// The latest checkpoint the policy's quorum holds for, its note carrying the
    /// cosignatures: what the service publishes. `None` until one is witnessed.
    pub fn published(&self) -> Option<WitnessedCheckpoint> {
        self.published.borrow().clone()
    }

    /// Told each newly published checkpoint.
    pub fn subscribe(&self) -> watch::Receiver<Option<WitnessedCheckpoint>> {
        self.published.subscribe()
    }

    /// The latest checkpoint the log signed, witnessed or not, as last read.
    pub fn latest_signed(&self) -> Option<StoredCheckpoint> {
        self.signed.borrow().clone()
    }

    /// Reads the latest signed checkpoint when this process signs one, and every `poll`.
    async fn watch_signed(self: Arc<Self>) {
        let mut wake = store::checkpoint::signed_in_process();
        loop {
            match store::checkpoint::latest(&self.db).await {
                Ok(Some(latest)) => {
                    let newer = self
                        .signed
                        .borrow()
                        .as_ref()
                        .is_none_or(|held| held.size < latest.size);
                    if newer {
                        self.signed.send_replace(Some(latest));
                        if self.policy.needs_no_cosignature() {
                            self.cosigned.notify_one();
                        }
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "witnessing cannot read the checkpoints"),
            }
            tokio::select! {
                _ = wake.changed() => {}
                () = tokio::time::sleep(self.options.poll) => {}
            }
        }
    }

    /// Recomputes the published checkpoint after each stored cosignature.
    async fn publish(self: Arc<Self>) {
        loop {
            self.cosigned.notified().await;
            if let Err(error) = self.refresh_published().await {
                tracing::warn!(%error, "witnessing cannot read the cosignatures");
                // Try again at the next cosignature, or soon.
                tokio::time::sleep(self.options.max_backoff).await;
                self.cosigned.notify_one();
            }
        }
    }

    /// The largest checkpoint, from the published one up, that the quorum holds for,
    /// published (the published one again when more witnesses cosigned it since).
    async fn refresh_published(&self) -> Result<(), StoreError> {
        let (floor, cosigners) = self.published.borrow().as_ref().map_or((None, 0), |p| {
            (Some(p.checkpoint.size), p.witnessed.cosigned.len())
        });
        let mut candidates: Vec<u64> = store::witnessed::cosigned_sizes(&self.db).await?;
        if let Some(latest) = self.latest_signed() {
            candidates.push(latest.size);
        }
        candidates.retain(|size| floor.is_none_or(|floor| *size >= floor));
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        candidates.dedup();
        for size in candidates {
            if let Some(Ok(witnessed)) = witnessed::at_size(&self.db, &self.policy, size).await? {
                let same = Some(size) == floor && witnessed.witnessed.cosigned.len() <= cosigners;
                if same {
                    return Ok(());
                }
                let names: Vec<&str> = witnessed
                    .witnessed
                    .cosigned
                    .iter()
                    .map(|c| c.witness.as_str())
                    .collect();
                tracing::info!(size, cosigners = ?names, "witnessed checkpoint published");
                metrics::gauge!("htx_witnessed_checkpoint_size").set(size as f64);
                self.published.send_replace(Some(witnessed));
                return Ok(());
            }
        }
        Ok(())
    }

    fn update(&self, index: usize, change: impl FnOnce(&mut WitnessStatus)) {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(witness) = status.get_mut(index) {
            change(witness);
        }
    }
}

fn timestamp(seconds: u64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, 0)
}
