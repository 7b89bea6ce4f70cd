//! Deterministic batching of the per-request loaders.
//!
//! async-graphql's DataLoader gathers keys for a few milliseconds and then fetches: on a
//! busy machine the resolvers of one level take longer than that to register, the
//! batch splits, and a page of clients costs more statements exactly when the database
//! is busiest. Here a batch is dispatched when the request can make no more progress
//! without it instead:
//!
//! - [`Batcher::load_one`] adds its key to the loader's gathering batch and waits for
//!   the batch to be released;
//! - [`Driven`] wraps the execution of a request. Each time the execution returns
//!   `Pending` without anything having woken it during that poll (every resolver is
//!   waiting on a batch or on I/O), it releases every gathering batch of the request;
//!   the first waiter of each runs the fetch, the others share its result;
//! - keys of one level register before that point, whatever the load and the timing,
//!   so the statement count depends only on the query.
//!
//! Answered keys are cached for the rest of the request. A request executed without
//! [`Driven`] (benchmarks calling the schema directly) falls back to releasing each
//! batch after the configured delay.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::Loader;
use tokio::sync::{Notify, OnceCell};

/// Something that can be released for fetching.
trait Release: Send + Sync {
    fn release(&self);
}

/// The batches of one request waiting to be released.
pub struct Hub {
    waiting: Mutex<Vec<Arc<dyn Release>>>,
    /// Whether a [`Driven`] releases the batches (else a timer does, after `delay`).
    driven: bool,
    delay: Duration,
}

impl Hub {
    /// A hub whose batches a [`Driven`] execution releases.
    pub fn driven() -> Arc<Hub> {
        Arc::new(Hub {
            waiting: Mutex::new(Vec::new()),
            driven: true,
            delay: Duration::ZERO,
        })
    }

    /// A hub for executions not wrapped in [`Driven`]: batches are released `delay`
    /// after their first key.
    pub fn timed(delay: Duration) -> Arc<Hub> {
        Arc::new(Hub {
            waiting: Mutex::new(Vec::new()),
            driven: false,
            delay,
        })
    }

    fn enqueue(&self, batch: Arc<dyn Release>) {
        if self.driven {
            self.waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(batch);
        } else {
            let delay = self.delay;
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                batch.release();
            });
        }
    }

    /// Releases every waiting batch; whether there was any.
    fn release_all(&self) -> bool {
        let waiting =
            std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        let any = !waiting.is_empty();
        for batch in waiting {
            batch.release();
        }
        any
    }
}

/// One batch of keys of one loader.
struct Batch<K, V, E> {
    keys: Mutex<Vec<K>>,
    released: AtomicBool,
    notify: Notify,
    result: OnceCell<Result<HashMap<K, V>, E>>,
}

impl<K: Send + Sync, V: Send + Sync, E: Send + Sync> Release for Batch<K, V, E> {
    fn release(&self) {
        self.released.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }
}

impl<K, V, E> Batch<K, V, E> {
    async fn released(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.released.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}

/// Per key type: the answered keys and the batch gathering now.
struct Keyed<K, V, E> {
    cache: HashMap<K, Option<V>>,
    gathering: Option<Arc<Batch<K, V, E>>>,
}

/// A request's loader `L`, batched deterministically (see the module docs).
pub struct Batcher<L> {
    loader: Arc<L>,
    hub: Arc<Hub>,
    /// `Keyed<K, …>` per key type `K` the loader is asked with.
    states: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

type Outcome<L, K> = Result<Option<<L as Loader<K>>::Value>, <L as Loader<K>>::Error>;

impl<L: Send + Sync + 'static> Batcher<L> {
    pub fn new(loader: L, hub: Arc<Hub>) -> Self {
        Batcher {
            loader: Arc::new(loader),
            hub,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn with_state<K, R>(&self, f: impl FnOnce(&mut Keyed<K, L::Value, L::Error>) -> R) -> R
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        L: Loader<K>,
        L::Error: Sync,
    {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        let state = states
            .entry(TypeId::of::<K>())
            .or_insert_with(|| {
                Box::new(Keyed::<K, L::Value, L::Error> {
                    cache: HashMap::new(),
                    gathering: None,
                })
            })
            .downcast_mut::<Keyed<K, L::Value, L::Error>>()
            .unwrap_or_else(|| unreachable!("states are keyed by their key type"));
        f(state)
    }

    /// The value of `key` (`None` when the loader has none), fetched together with
    /// every other key of the same loader registered before the request went idle.
    pub async fn load_one<K>(&self, key: K) -> Outcome<L, K>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        L: Loader<K>,
        L::Error: Sync,
    {
        let batch = self.with_state::<K, _>(|state| {
            if let Some(hit) = state.cache.get(&key) {
                return Err(hit.clone());
            }
            match &state.gathering {
                Some(batch) => {
                    let mut keys = batch.keys.lock().unwrap_or_else(PoisonError::into_inner);
                    if !keys.contains(&key) {
                        keys.push(key.clone());
                    }
                    Ok((Arc::clone(batch), false))
                }
                None => {
                    let batch = Arc::new(Batch {
                        keys: Mutex::new(vec![key.clone()]),
                        released: AtomicBool::new(false),
                        notify: Notify::new(),
                        result: OnceCell::new(),
                    });
                    state.gathering = Some(Arc::clone(&batch));
                    Ok((batch, true))
                }
            }
        });
        let batch = match batch {
            Err(hit) => return Ok(hit),
            Ok((batch, new)) => {
                if new {
                    self.hub.enqueue(Arc::clone(&batch) as Arc<dyn Release>);
                }
                batch
            }
        };
        batch.released().await;
        let result = batch
            .result
            .get_or_init(|| async {
                // Close the batch: keys from now on start the next one.
                let keys = self.with_state::<K, _>(|state| {
                    if state
                        .gathering
                        .as_ref()
                        .is_some_and(|g| Arc::ptr_eq(g, &batch))
                    {
                        state.gathering = None;
                    }
                    batch
                        .keys
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone()
                });
                let loaded = self.loader.load(&keys).await;
                if let Ok(values) = &loaded {
                    self.with_state::<K, _>(|state| {
                        for key in keys {
                            let value = values.get(&key).cloned();
                            state.cache.insert(key, value);
                        }
                    });
                }
                loaded
            })
            .await;
        match result {
            Ok(values) => Ok(values.get(&key).cloned()),
            Err(err) => Err(err.clone()),
        }
    }

    /// The values of `keys` that the loader has (one batch with every other waiter).
    pub async fn load_many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, L::Value>, L::Error>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        L: Loader<K>,
        L::Error: Sync,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let loads = keys.iter().cloned().map(|key| self.load_one(key));
        let values = futures_util::future::try_join_all(loads).await?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(key, value)| value.map(|v| (key, v)))
            .collect())
    }
}

/// Wakes the task and notes that something became runnable.
struct Flag {
    woken: AtomicBool,
    parent: Mutex<Option<Waker>>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(parent) = &*self.parent.lock().unwrap_or_else(PoisonError::into_inner) {
            parent.wake_by_ref();
        }
    }
}

/// An execution that releases its request's batches whenever it has gone idle (see
/// the module docs).
pub struct Driven<F> {
    inner: Pin<Box<F>>,
    hub: Arc<Hub>,
    flag: Arc<Flag>,
}

impl<F: Future> Driven<F> {
    pub fn new(inner: F, hub: Arc<Hub>) -> Self {
        Driven {
            inner: Box::pin(inner),
            hub,
            flag: Arc::new(Flag {
                woken: AtomicBool::new(false),
                parent: Mutex::new(None),
            }),
        }
    }
}

impl<F: Future> Future for Driven<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        {
            let mut parent = self
                .flag
                .parent
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !parent.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *parent = Some(cx.waker().clone());
            }
        }
        let waker = Waker::from(Arc::clone(&self.flag));
        let mut inner_cx = Context::from_waker(&waker);
        loop {
            self.flag.woken.store(false, Ordering::Release);
            let this = &mut *self;
            if let Poll::Ready(output) = this.inner.as_mut().poll(&mut inner_cx) {
                return Poll::Ready(output);
            }
            if this.flag.woken.load(Ordering::Acquire) {
                // Something is runnable still (the wake reached the task as well).
                return Poll::Pending;
            }
            // Idle: every resolver waits on a batch or on I/O. Release the batches and
            // poll again at once (their waiters are runnable now).
            if !this.hub.release_all() {
                return Poll::Pending;
            }
        }
    }
}
