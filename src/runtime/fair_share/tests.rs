use std::future::Future;
use std::pin::Pin;

use futures_util::FutureExt;

use super::*;

const LONG: Duration = Duration::from_secs(60);

type Entering<'a> = Pin<Box<dyn Future<Output = Result<Option<Turn>, AppError>> + 'a>>;

/// A request that asked for a turn and waits in line (its `enter` polled once).
fn fx_waiting(share: &FairShare, organisation: Uuid) -> Entering<'_> {
    let mut entering: Entering<'_> = Box::pin(share.enter(organisation));
    assert!((&mut entering).now_or_never().is_none(), "it waits in line");
    entering
}

/// A turn taken at once.
fn fx_turn(share: &FairShare, organisation: Uuid) -> Turn {
    let entered = share.enter(organisation).now_or_never().expect("a turn without waiting");
    entered.unwrap().expect("a turn")
}

/// The waiting request's turn, if it has come.
fn turn_of(entering: &mut Entering<'_>) -> Option<Turn> {
    match entering.now_or_never() {
        Some(Ok(Some(turn))) => Some(turn),
        None => None,
        Some(other) => panic!("neither a turn nor waiting: {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn an_organisation_alone_may_take_every_turn() {
    let share = FairShare::new(3, 1, LONG).counting_as_active_for(LONG);
    let alone = Uuid::now_v7();

    let turns: Vec<Turn> = (0..3).map(|_| fx_turn(&share, alone)).collect();

    assert_eq!(share.held_by(alone), 3);
    let mut fourth = fx_waiting(&share, alone);
    drop(turns);
    assert!(turn_of(&mut fourth).is_some(), "a turn given back goes to the next in line");
}

#[tokio::test]
async fn a_freed_turn_goes_to_the_waiting_organisation_holding_fewest() {
    let share = FairShare::new(2, 2, LONG).counting_as_active_for(LONG);
    let (flood, other) = (Uuid::now_v7(), Uuid::now_v7());
    let mut flood_turns = vec![fx_turn(&share, flood), fx_turn(&share, flood)];
    let mut flood_first = fx_waiting(&share, flood);
    let mut flood_second = fx_waiting(&share, flood);
    let mut other_only = fx_waiting(&share, other);

    flood_turns.pop();

    let _other_turn = turn_of(&mut other_only).expect("the other organisation goes first");
    assert!(turn_of(&mut flood_first).is_none() && turn_of(&mut flood_second).is_none());
    flood_turns.pop();
    let _flood_turn = turn_of(&mut flood_first).expect("then the flood's line, in order");
    assert!(turn_of(&mut flood_second).is_none());
}

#[tokio::test]
async fn organisations_that_both_want_more_end_up_with_equal_shares() {
    let share = FairShare::new(4, 4, LONG).counting_as_active_for(LONG);
    let (early, late) = (Uuid::now_v7(), Uuid::now_v7());
    let early_turns: Vec<Turn> = (0..4).map(|_| fx_turn(&share, early)).collect();
    let _early_waiting: Vec<_> = (0..4).map(|_| fx_waiting(&share, early)).collect();
    let _late_waiting: Vec<_> = (0..4).map(|_| fx_waiting(&share, late)).collect();

    // The early organisation's first requests finish one by one.
    for turn in early_turns {
        drop(turn);
    }

    assert_eq!((share.held_by(early), share.held_by(late)), (2, 2));
    assert_eq!(share.waiting(), 4);
}

#[tokio::test]
async fn while_another_organisation_is_active_one_keeps_to_its_share_of_the_cores() {
    let share = FairShare::new(10, 2, LONG).counting_as_active_for(LONG);
    let (flood, other) = (Uuid::now_v7(), Uuid::now_v7());
    // The other organisation made a request a moment ago.
    drop(fx_turn(&share, other));

    // The flood keeps to its share, one of the two cores, though turns are free.
    let _flood_turn = fx_turn(&share, flood);
    let mut flood_second = fx_waiting(&share, flood);

    // The other organisation's next request starts at once, on the other core.
    let other_turn = fx_turn(&share, other);
    assert!(turn_of(&mut flood_second).is_none());
    drop(other_turn);
    assert!(turn_of(&mut flood_second).is_none(), "the other organisation is still active");
}

#[tokio::test]
async fn once_the_other_organisation_is_no_longer_active_the_flood_may_take_every_turn() {
    let share = FairShare::new(10, 1, LONG).counting_as_active_for(Duration::from_millis(30));
    let (flood, other) = (Uuid::now_v7(), Uuid::now_v7());
    let other_turn = fx_turn(&share, other);
    let _flood_turn = fx_turn(&share, flood);
    let waiting = fx_waiting(&share, flood);

    // The other organisation's last request ends; a moment later it is no longer active,
    // which gives nothing back.
    drop(other_turn);

    let _turn = waiting.await.unwrap().expect("a turn once the other is no longer active");
    assert_eq!(share.held_by(flood), 2);
}

#[tokio::test]
async fn a_cancelled_request_leaves_the_line_and_no_turn_behind() {
    let share = FairShare::new(1, 1, LONG);
    let (holder, cancelled, next) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());

    // Cancelled while it waits: it leaves the line.
    let turn = fx_turn(&share, holder);
    drop(fx_waiting(&share, cancelled));
    assert_eq!(share.waiting(), 0);

    // Cancelled after its turn was handed over, before it took it: the turn goes on.
    let handed_over = fx_waiting(&share, cancelled);
    let mut waiting_next = fx_waiting(&share, next);
    drop(turn);
    assert_eq!(share.held_by(cancelled), 1, "handed over");
    drop(handed_over);
    let next_turn = turn_of(&mut waiting_next).expect("the turn went on to the next in line");

    // Nothing is left behind: the one turn is free again.
    drop(next_turn);
    assert_eq!(share.waiting(), 0);
    assert_eq!(lock(&share.schedule).free, 1);
    drop(fx_turn(&share, Uuid::now_v7()));
}

#[tokio::test]
async fn a_request_waiting_longer_than_the_wait_is_busy() {
    let share = FairShare::new(1, 1, Duration::from_millis(20));
    let organisation = Uuid::now_v7();
    let _turn = fx_turn(&share, organisation);

    assert_eq!(share.enter(organisation).await.unwrap_err(), AppError::Busy);

    assert_eq!(share.waiting(), 0, "it left the line");
    assert_eq!(share.held_by(organisation), 1);
}

#[tokio::test]
async fn while_the_database_fails_nobody_waits_in_line() {
    let share = FairShare::new(1, 1, LONG);
    let organisation = Uuid::now_v7();
    let _turn = fx_turn(&share, organisation);

    share.note_unavailable();

    let entered = share.enter(organisation).now_or_never().expect("no waiting");
    assert!(entered.unwrap().is_none(), "no turn needed");
}

#[tokio::test]
async fn organisations_no_longer_active_are_forgotten() {
    let share = FairShare::new(2, 2, LONG).counting_as_active_for(Duration::ZERO);
    let busy = Uuid::now_v7();
    let _turn = fx_turn(&share, busy);

    for _ in 0..=PRUNE_ABOVE + 1 {
        drop(fx_turn(&share, Uuid::now_v7()));
    }

    let schedule = lock(&share.schedule);
    assert!(schedule.lines.len() <= PRUNE_ABOVE, "{} kept", schedule.lines.len());
    assert_eq!(schedule.held(busy), 1, "the busy one is kept");
}
