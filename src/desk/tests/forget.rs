//! `/forget`: refused to anyone but a supervisor, confirmed with a button, then every
//! ticket of the customer erased (on the memory state and in a real store transaction
//! alike), their topics deleted through the outbox, General told without a name.

use super::*;

const ELI: u64 = 222_222_222;

fn forget_on(keep: Keep) {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut world = World::with_rules(&rules, keep);
    let first = world.open(42, &[("category", "technical")]);
    let second = world.open(42, &[("category", "billing")]);
    let other = world.open(43, &[("category", "billing")]);
    world.send_all();
    world.event(&customer_says(42, 7, "my secret order number 5551234"));
    world.send_all();
    assert!(!world.counterparts((42, 7)).is_empty(), "the message was relayed and linked");
    world.event(&staff_says(ELI, 11, 60, "/forget"));
    let refused = world.send_all();
    assert!(refused.contains("Only supervisors can erase"), "{refused}");
    world.event(&staff_says(DANA, 11, 61, "/forget"));
    let asked = world.send_all();
    assert!(asked.contains("That is 2 tickets"), "{asked}");
    assert!(asked.contains(&format!("(fg:{})", first.0)), "a confirmation button:\n{asked}");
    // Not a supervisor's press, and a press in another ticket's topic: nothing erased.
    world.event(&press(ELI, 11, &format!("fg:{}", first.0)));
    world.event(&press(DANA, 13, &format!("fg:{}", first.0)));
    let refusals = world.send_all();
    assert!(refusals.contains("Only supervisors can erase"), "{refusals}");
    assert!(refusals.contains("belongs to another ticket"), "{refusals}");
    assert!(world.read(|state| state.ticket(first)).is_some());
    world.event(&press(DANA, 11, &format!("fg:{}", first.0)));
    let done = world.send_all();
    for id in [first, second] {
        assert!(world.read(|state| state.ticket(id)).is_none(), "{id} erased");
        assert!(world.history(id).is_empty(), "{id}'s history erased");
    }
    assert!(world.read(|state| state.tickets_of_customer(42)).is_empty());
    assert!(world.counterparts((42, 7)).is_empty(), "relayed pairs erased");
    assert!(
        world
            .deadlines()
            .iter()
            .all(|d| !matches!(d.timer, Timer::Ticket(id, _) if id == first || id == second))
    );
    assert!(world.read(|state| state.ticket(other)).is_some(), "another customer's ticket stays");
    assert!(done.contains(&format!("DeleteTopic {{ chat_id: {STAFF}, thread_id: 11 }}")), "{done}");
    assert!(done.contains(&format!("DeleteTopic {{ chat_id: {STAFF}, thread_id: 12 }}")), "{done}");
    assert!(!done.contains("thread_id: 13"), "{done}");
    assert!(done.contains("A customer's data was erased on request by Dana: 2 tickets, 2 topics"), "{done}");
    assert!(!done.contains("Customer42"), "no name in what is told:\n{done}");
    let audit: Vec<crate::audit::AuditEntry> = match &*world.kept.borrow() {
        Kept::Memory(state) => state.audit.clone(),
        Kept::Store { store, .. } => {
            store.read().expect("read").audit_log().expect("audit").into_iter().map(|(_, e)| e).collect()
        }
    };
    let forgot: Vec<_> =
        audit.iter().filter(|entry| matches!(entry.action, crate::audit::Action::Forgot { .. })).collect();
    assert_eq!(forgot.len(), 1, "{audit:?}");
    assert_eq!(forgot[0].action, crate::audit::Action::Forgot { tickets: 2, topics: 2 });
    assert_eq!(forgot[0].actor, crate::audit::Actor::Telegram { user: DANA });
}

#[test]
fn forget_is_a_supervisor_s_confirmed_erasure_on_memory() {
    forget_on(Keep::Memory);
}

#[test]
fn forget_is_a_supervisor_s_confirmed_erasure_in_the_store() {
    forget_on(Keep::Store);
}
