//! A `<select>` over one of the model's enums, and how pages show a failed load.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::error::AppError;
use crate::model::organisation::Choice;

/// A select bound to `value`. With `any`, an extra first option means "no choice" (a filter);
/// without it the field always holds a value.
#[component]
pub fn ChoiceSelect<T: Choice + Send + Sync>(
    id: &'static str,
    label: &'static str,
    value: RwSignal<Option<T>>,
    #[prop(optional)] any: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select
                id=id
                name=id
                on:change=move |ev| value.set(T::from_value(&event_target_value(&ev)))
            >
                {any.map(|text| view! { <option value="" selected=move || value.get().is_none()>{text}</option> })}
                {T::ALL
                    .iter()
                    .map(|choice| {
                        let choice = *choice;
                        view! {
                            <option value=choice.value() selected=move || value.get() == Some(choice)>
                                {choice.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// What a page shows when its data could not be loaded: a visitor is sent to sign in (and
/// back to `here`), a member of a suspended organisation to the notice, anyone else reads the
/// error's safe message.
pub fn load_error(error: AppError, here: &str) -> AnyView {
    match error {
        AppError::Unauthenticated => {
            let path = format!("/login?next={here}");
            view! { <Redirect path/> }.into_any()
        }
        AppError::OrganisationSuspended => view! { <Redirect path="/suspended"/> }.into_any(),
        error => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
