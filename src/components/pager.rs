//! "Previous" and "Next" for keyset-paginated lists: the cursors of the pages already seen are
//! kept so Previous can go back; Next starts after the current page's last row.

use leptos::prelude::*;

#[component]
pub fn Pager<C: Clone + Send + Sync + 'static>(
    /// The cursor of the page shown (`None`: the first page).
    after: RwSignal<Option<C>>,
    /// The cursors of the pages before it.
    history: RwSignal<Vec<Option<C>>>,
    /// The cursor of the next page, when there is one.
    next: Option<C>,
) -> impl IntoView {
    let has_next = next.is_some();
    view! {
        <div class="pager">
            <button
                type="button"
                class="button small secondary"
                disabled=move || history.read().is_empty()
                on:click=move |_| {
                    let previous = history.write().pop().flatten();
                    after.set(previous);
                }
            >
                "Previous"
            </button>
            <button
                type="button"
                class="button small secondary"
                disabled=!has_next
                on:click=move |_| {
                    history.write().push(after.get_untracked());
                    after.set(next.clone());
                }
            >
                "Next"
            </button>
        </div>
    }
}
