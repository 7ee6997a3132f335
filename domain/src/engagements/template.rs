//! Process templates as data: ordered stages, each with an owner role, a
//! planned duration range (business hours or days), the inputs it starts
//! from, the outputs that must be done before it may be left, and its
//! decision points with what each answer leads to. Pure: the definition,
//! its validation and the two built-in templates (DESIGN "Engagements").

use entity::Role;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The unit of a planned duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DurationUnit {
    /// Business hours (09:00–17:00 on business days).
    BusinessHours,
    /// Business days.
    BusinessDays,
}

/// What a stage needs of the engagement's deliverables before it is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliverableGate {
    /// Deliverables are made here: each has a version submitted for review.
    Submitted,
    /// Deliverables are reviewed here: each latest version passed.
    Reviewed,
    /// The customer accepts here: each is accepted.
    Accepted,
}

/// What an answer to a decision point leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Consequence {
    /// Nothing more is needed.
    Proceed,
    /// A revised timeline (a new planned end date) must be given.
    ReviseTimeline,
    /// At least one mitigation action (owner, due date) must be given.
    MitigationActions,
    /// A revision round: back to the named stage.
    ReviseFrom,
    /// The stage cannot be left while this is the answer (escalate).
    Stay,
}

/// A question the stage's owner answers before leaving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionPoint {
    pub key: String,
    pub question: String,
    pub if_yes: Consequence,
    pub if_no: Consequence,
    /// For `ReviseFrom`: the stage a revision round goes back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revise_from: Option<String>,
}

impl DecisionPoint {
    pub fn consequence(&self, answer: bool) -> Consequence {
        if answer { self.if_yes } else { self.if_no }
    }
}

/// One required output of a stage (it gates leaving the stage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub key: String,
    pub name: String,
}

/// One stage of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub key: String,
    pub name: String,
    /// Its phase, for templates grouped in phases (e.g. "1 Discovery").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    pub owner_role: Role,
    pub min_duration: u32,
    pub max_duration: u32,
    pub duration_unit: DurationUnit,
    /// What it starts from (a checklist, not gated).
    pub inputs: Vec<String>,
    pub outputs: Vec<Output>,
    pub decisions: Vec<DecisionPoint>,
    /// What it needs of the deliverables (and where they are submitted,
    /// reviewed or accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<DeliverableGate>,
}

/// A template's whole definition (stored as JSON with each version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    pub stages: Vec<Stage>,
    /// The quality review's checklist (deliverables are reviewed against it).
    #[serde(default)]
    pub quality_checklist: Vec<String>,
}

/// Why a definition cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Where, as a path below the definition (e.g. `stages.2.outputs`).
    pub path: Vec<String>,
    pub message: String,
}

fn invalid(path: &[&str], message: impl Into<String>) -> Invalid {
    Invalid {
        path: path.iter().map(|p| (*p).to_owned()).collect(),
        message: message.into(),
    }
}

/// Most stages a template has.
pub const MAX_STAGES: usize = 40;
/// Most inputs, outputs or decision points one stage has, and most checks
/// in a quality checklist (so each is a bounded list to read).
pub const MAX_ITEMS: usize = 50;

impl Definition {
    /// Every problem with the definition (empty when it may be published).
    pub fn problems(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            out.push(invalid(
                &["stages"],
                format!("a template has 1 to {MAX_STAGES} stages"),
            ));
        }
        if self.quality_checklist.len() > MAX_ITEMS {
            out.push(invalid(
                &["qualityChecklist"],
                format!("a quality checklist has at most {MAX_ITEMS} checks"),
            ));
        }
        let keys: Vec<&str> = self.stages.iter().map(|s| s.key.as_str()).collect();
        let mut seen = HashSet::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let at = i.to_string();
            if stage.key.trim().is_empty() || !seen.insert(stage.key.as_str()) {
                out.push(invalid(
                    &["stages", &at, "key"],
                    "each stage has its own non-empty key",
                ));
            }
            if stage.name.trim().is_empty() {
                out.push(invalid(&["stages", &at, "name"], "a stage has a name"));
            }
            if stage.owner_role == Role::Customer {
                out.push(invalid(
                    &["stages", &at, "ownerRole"],
                    "a stage is owned by a staff role",
                ));
            }
            if stage.min_duration == 0 || stage.min_duration > stage.max_duration {
                out.push(invalid(
                    &["stages", &at, "minDuration"],
                    "a duration range runs from at least 1 up to its maximum",
                ));
            }
            let lists = [
                ("inputs", stage.inputs.len()),
                ("outputs", stage.outputs.len()),
                ("decisions", stage.decisions.len()),
            ];
            for (list, len) in lists {
                if len > MAX_ITEMS {
                    out.push(invalid(
                        &["stages", &at, list],
                        format!("a stage has at most {MAX_ITEMS} {list}"),
                    ));
                }
            }
            let mut outputs = HashSet::new();
            for output in &stage.outputs {
                if output.key.trim().is_empty() || !outputs.insert(output.key.as_str()) {
                    out.push(invalid(
                        &["stages", &at, "outputs"],
                        "each output has its own non-empty key",
                    ));
                }
            }
            let mut decisions = HashSet::new();
            for decision in &stage.decisions {
                if decision.key.trim().is_empty() || !decisions.insert(decision.key.as_str()) {
                    out.push(invalid(
                        &["stages", &at, "decisions"],
                        "each decision point has its own non-empty key",
                    ));
                }
                let revises = [decision.if_yes, decision.if_no].contains(&Consequence::ReviseFrom);
                let target = decision.revise_from.as_deref();
                let earlier = target.is_some_and(|t| keys[..=i].contains(&t));
                if revises && !earlier {
                    out.push(invalid(
                        &["stages", &at, "decisions"],
                        format!(
                            "{}: a revision round goes back to this or an earlier stage",
                            decision.key
                        ),
                    ));
                }
            }
        }
        // Each gate at most once, in the order work flows.
        let gates: Vec<(usize, DeliverableGate)> = self
            .stages
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.gate.map(|g| (i, g)))
            .collect();
        let order = |g: DeliverableGate| match g {
            DeliverableGate::Submitted => 0,
            DeliverableGate::Reviewed => 1,
            DeliverableGate::Accepted => 2,
        };
        for pair in gates.windows(2) {
            if order(pair[1].1) <= order(pair[0].1) {
                let at = pair[1].0.to_string();
                out.push(invalid(
                    &["stages", &at, "gate"],
                    "deliverables are submitted, then reviewed, then accepted, each in one stage",
                ));
            }
        }
        if gates
            .first()
            .is_some_and(|(_, g)| *g != DeliverableGate::Submitted)
        {
            let at = gates[0].0.to_string();
            out.push(invalid(
                &["stages", &at, "gate"],
                "deliverables are submitted in an earlier stage before they are reviewed or accepted",
            ));
        }
        out
    }

    pub fn stage(&self, index: usize) -> Option<&Stage> {
        self.stages.get(index)
    }

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }
}

/// The key of the built-in service delivery template.
pub const SERVICE_DELIVERY: &str = "service_delivery";
/// The key of the built-in business automation implementation template.
pub const AUTOMATION: &str = "automation_implementation";

fn outputs(names: &[(&str, &str)]) -> Vec<Output> {
    names
        .iter()
        .map(|(key, name)| Output {
            key: (*key).to_owned(),
            name: (*name).to_owned(),
        })
        .collect()
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[allow(clippy::too_many_arguments)]
fn stage(
    key: &str,
    name: &str,
    phase: Option<&str>,
    owner_role: Role,
    (min_duration, max_duration, duration_unit): (u32, u32, DurationUnit),
    inputs: &[&str],
    outs: &[(&str, &str)],
    decisions: Vec<DecisionPoint>,
) -> Stage {
    Stage {
        key: key.to_owned(),
        name: name.to_owned(),
        phase: phase.map(str::to_owned),
        owner_role,
        min_duration,
        max_duration,
        duration_unit,
        inputs: texts(inputs),
        outputs: outputs(outs),
        decisions,
        gate: None,
    }
}

fn decision(
    key: &str,
    question: &str,
    if_yes: Consequence,
    if_no: Consequence,
    revise_from: Option<&str>,
) -> DecisionPoint {
    DecisionPoint {
        key: key.to_owned(),
        question: question.to_owned(),
        if_yes,
        if_no,
        revise_from: revise_from.map(str::to_owned),
    }
}

use Consequence as C;
use DurationUnit::{BusinessDays as D, BusinessHours as H};

/// The seed process: Kickoff → Detailed Planning → Execution → Quality
/// Review → Customer Review and Acceptance → Closure.
pub fn service_delivery() -> Definition {
    let mut stages = vec![
        stage(
            "kickoff",
            "Kickoff",
            None,
            Role::ProjectManager,
            (1, 2, D),
            &["Signed scope of work", "Customer contacts"],
            &[
                ("kickoff_meeting", "Kickoff meeting completed"),
                ("charter_signed", "Project charter signed"),
                ("communication_plan", "Communication plan established"),
            ],
            vec![],
        ),
        stage(
            "detailed_planning",
            "Detailed Planning",
            None,
            Role::ProjectManager,
            (3, 5, D),
            &["Project charter", "Communication plan"],
            &[
                ("project_plan", "Detailed project plan"),
                ("resource_plan", "Resource allocation"),
                ("risk_register", "Initial risk assessment"),
                ("acceptance_criteria", "Acceptance criteria agreed"),
            ],
            vec![],
        ),
        stage(
            "execution",
            "Execution",
            None,
            Role::DeliveryTeam,
            (5, 20, D),
            &["Detailed project plan", "Acceptance criteria"],
            &[
                ("deliverables_produced", "Deliverables produced"),
                ("status_reports", "Status reports issued"),
            ],
            vec![
                decision(
                    "on_track",
                    "Are deliverables on track?",
                    C::Proceed,
                    C::ReviseTimeline,
                    None,
                ),
                decision(
                    "risks_need_mitigation",
                    "Do any risks require mitigation action?",
                    C::MitigationActions,
                    C::Proceed,
                    None,
                ),
            ],
        ),
        stage(
            "quality_review",
            "Quality Review",
            None,
            Role::QaLead,
            (2, 5, D),
            &["Deliverables"],
            &[
                ("quality_checks", "Quality checks completed"),
                ("review_report", "Review report with metrics"),
            ],
            vec![],
        ),
        stage(
            "customer_acceptance",
            "Customer Review and Acceptance",
            None,
            Role::ProjectManager,
            (3, 7, D),
            &["Reviewed deliverables", "Acceptance criteria"],
            &[
                (
                    "deliverables_presented",
                    "Deliverables presented to the customer",
                ),
                ("acceptance_recorded", "Customer acceptance recorded"),
            ],
            vec![decision(
                "accepted",
                "Has the customer accepted the deliverables?",
                C::Proceed,
                C::ReviseFrom,
                Some("execution"),
            )],
        ),
        stage(
            "closure",
            "Closure",
            None,
            Role::ProjectManager,
            (2, 3, D),
            &["Customer acceptance"],
            &[
                ("final_invoice", "Final invoice issued"),
                ("lessons_learned", "Lessons learned recorded"),
                ("handover", "Handover and sign-off completed"),
            ],
            vec![],
        ),
    ];
    // Deliverables are made in Execution, reviewed in Quality Review and
    // accepted by the customer in Customer Review and Acceptance.
    stages[2].gate = Some(DeliverableGate::Submitted);
    stages[3].gate = Some(DeliverableGate::Reviewed);
    stages[4].gate = Some(DeliverableGate::Accepted);
    Definition {
        stages,
        quality_checklist: texts(&[
            "Meets the acceptance criteria",
            "Reviewed by someone other than its author",
            "Documentation complete",
        ]),
    }
}

/// One step of the automation template: key, name, phase, owner, planned
/// duration range, deliverables.
type Step = (
    &'static str,
    &'static str,
    &'static str,
    Role,
    (u32, u32, DurationUnit),
    [&'static str; 4],
);

/// Business automation implementation: 5 phases, 14 steps (1.1–5.2),
/// about six weeks; each step's deliverables are its required outputs.
pub fn automation() -> Definition {
    let pm = Role::ProjectManager;
    let team = Role::DeliveryTeam;
    let qa = Role::QaLead;
    let steps: Vec<Step> = vec![
        (
            "1.1",
            "Initial consultation",
            "1 Discovery and planning",
            pm,
            (1, 1, H),
            [
                "Business process documentation",
                "Automation opportunity matrix",
                "Technical requirements assessment",
                "Preliminary scope",
            ],
        ),
        (
            "1.2",
            "Technical assessment",
            "1 Discovery and planning",
            team,
            (2, 4, H),
            [
                "Technical architecture plan",
                "Integration roadmap",
                "Infrastructure requirements",
                "Risk assessment",
            ],
        ),
        (
            "1.3",
            "Project planning",
            "1 Discovery and planning",
            pm,
            (1, 2, D),
            [
                "Project proposal",
                "Service agreement",
                "Timeline",
                "Resource plan",
            ],
        ),
        (
            "2.1",
            "Infrastructure preparation",
            "2 Platform setup",
            team,
            (1, 2, D),
            [
                "Secure platform instance",
                "Backup procedures",
                "Monitoring dashboard",
                "Security documentation",
            ],
        ),
        (
            "2.2",
            "Initial configuration",
            "2 Platform setup",
            team,
            (1, 2, D),
            [
                "Configured platform",
                "User accounts and permissions",
                "Workflow templates",
                "Configuration docs",
            ],
        ),
        (
            "2.3",
            "Integration setup",
            "2 Platform setup",
            team,
            (2, 3, D),
            [
                "Connected systems",
                "Tested integrations",
                "Data flow validation",
                "Integration docs",
            ],
        ),
        (
            "3.1",
            "Workflow design",
            "3 Workflow development",
            team,
            (2, 3, D),
            [
                "Design documents",
                "Process flow diagrams",
                "Node configuration plans",
                "Error handling procedures",
            ],
        ),
        (
            "3.2",
            "Workflow implementation",
            "3 Workflow development",
            team,
            (3, 5, D),
            [
                "Functional workflows",
                "Custom code",
                "Integration connections",
                "Transformation logic",
            ],
        ),
        (
            "3.3",
            "Testing & validation",
            "3 Workflow development",
            qa,
            (2, 3, D),
            [
                "Validated workflows",
                "Performance benchmarks",
                "User acceptance sign-off",
                "Test docs",
            ],
        ),
        (
            "4.1",
            "User training",
            "4 Training and handover",
            team,
            (1, 2, D),
            [
                "Trained users",
                "Training materials",
                "User docs",
                "Best practices guide",
            ],
        ),
        (
            "4.2",
            "Administrator training",
            "4 Training and handover",
            team,
            (1, 1, D),
            [
                "Trained admins",
                "Admin docs",
                "Security procedures",
                "Backup procedures",
            ],
        ),
        (
            "4.3",
            "Documentation handover",
            "4 Training and handover",
            pm,
            (1, 1, D),
            [
                "Documentation package",
                "Process guides",
                "Troubleshooting docs",
                "Support contacts",
            ],
        ),
        (
            "5.1",
            "Go-live support",
            "5 Go-live and support",
            team,
            (5, 10, D),
            [
                "Live production system",
                "Monitoring reports",
                "Issue resolution log",
                "Optimisation notes",
            ],
        ),
        (
            "5.2",
            "Post-implementation support",
            "5 Go-live and support",
            team,
            (21, 64, D),
            [
                "Tickets resolved",
                "Performance reports",
                "Recommendations",
                "Satisfaction feedback",
            ],
        ),
    ];
    let mut previous: Vec<String> = vec!["The customer's request".to_owned()];
    let stages = steps
        .into_iter()
        .map(|(number, name, phase, owner, duration, deliverables)| {
            let decisions = match number {
                "1.3" => vec![decision(
                    "scope_agreed",
                    "Is the scope agreed?",
                    C::Proceed,
                    C::ReviseFrom,
                    Some("1.1"),
                )],
                "3.3" => vec![decision(
                    "customer_signed_off",
                    "Has the customer signed off?",
                    C::Proceed,
                    C::ReviseFrom,
                    Some("3.2"),
                )],
                "5.1" => vec![decision(
                    "production_stable",
                    "Is production stable?",
                    C::Proceed,
                    C::Stay,
                    None,
                )],
                _ => vec![],
            };
            let outs: Vec<Output> = deliverables
                .iter()
                .map(|d| Output {
                    key: output_key(d),
                    name: (*d).to_owned(),
                })
                .collect();
            let stage = Stage {
                key: number.to_owned(),
                name: name.to_owned(),
                phase: Some(phase.to_owned()),
                owner_role: owner,
                min_duration: duration.0,
                max_duration: duration.1,
                duration_unit: duration.2,
                inputs: std::mem::take(&mut previous),
                outputs: outs,
                decisions,
                gate: None,
            };
            previous = deliverables.iter().map(|d| (*d).to_owned()).collect();
            stage
        })
        .collect();
    Definition {
        stages,
        quality_checklist: texts(&[
            "Code review by a senior developer",
            "Security review",
            "Performance review",
            "Documentation completeness",
            "Unit testing",
            "Integration testing",
            "Performance testing",
            "User acceptance testing",
            "Workflow documentation",
            "User guides and training materials",
            "Troubleshooting procedures",
            "Maintenance and support guides",
        ]),
    }
}

/// A stable key for an output named in words ("User acceptance sign-off" →
/// "user_acceptance_sign_off").
pub fn output_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_owned()
}

/// The built-in templates: (key, name, definition).
pub fn built_in() -> Vec<(&'static str, &'static str, Definition)> {
    vec![
        (SERVICE_DELIVERY, "Service delivery", service_delivery()),
        (
            AUTOMATION,
            "Business automation implementation",
            automation(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_are_valid() {
        for (key, _, definition) in built_in() {
            assert_eq!(definition.problems(), [], "{key}");
        }
    }

    #[test]
    fn service_delivery_has_the_six_stages_of_the_seed_process() {
        let d = service_delivery();
        let names: Vec<&str> = d.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Kickoff",
                "Detailed Planning",
                "Execution",
                "Quality Review",
                "Customer Review and Acceptance",
                "Closure"
            ]
        );
        let execution = &d.stages[2];
        assert_eq!(execution.owner_role, Role::DeliveryTeam);
        assert_eq!(execution.decisions[0].consequence(false), C::ReviseTimeline);
        assert_eq!(
            execution.decisions[1].consequence(true),
            C::MitigationActions
        );
        let acceptance = &d.stages[4];
        assert_eq!(acceptance.decisions[0].consequence(false), C::ReviseFrom);
        assert_eq!(
            acceptance.decisions[0].revise_from.as_deref(),
            Some("execution")
        );
    }

    #[test]
    fn automation_has_fourteen_steps_in_five_phases_each_fed_by_the_last() {
        let d = automation();
        assert_eq!(d.stages.len(), 14);
        let phases: HashSet<&str> = d.stages.iter().filter_map(|s| s.phase.as_deref()).collect();
        assert_eq!(phases.len(), 5);
        assert_eq!(d.stages[0].inputs, ["The customer's request"]);
        assert_eq!(
            d.stages[1].inputs,
            d.stages[0]
                .outputs
                .iter()
                .map(|o| o.name.clone())
                .collect::<Vec<_>>()
        );
        let testing = &d.stages[8];
        assert_eq!(testing.key, "3.3");
        assert!(
            testing
                .outputs
                .iter()
                .any(|o| o.key == "user_acceptance_sign_off")
        );
        assert_eq!(d.stages[13].duration_unit, DurationUnit::BusinessDays);
        assert_eq!(
            (d.stages[13].min_duration, d.stages[13].max_duration),
            (21, 64)
        );
        assert_eq!(d.quality_checklist.len(), 12);
    }

    #[test]
    fn a_bad_definition_lists_every_problem() {
        let mut d = service_delivery();
        d.stages[1].key = "kickoff".into();
        d.stages[2].min_duration = 0;
        d.stages[3].owner_role = Role::Customer;
        d.stages[4].decisions[0].revise_from = Some("closure".into());
        let paths: Vec<String> = d.problems().iter().map(|p| p.path.join(".")).collect();
        assert_eq!(
            paths,
            [
                "stages.1.key",
                "stages.2.minDuration",
                "stages.3.ownerRole",
                "stages.4.decisions"
            ]
        );
        assert_eq!(
            Definition {
                stages: vec![],
                quality_checklist: vec![]
            }
            .problems()
            .len(),
            1
        );
    }

    #[test]
    fn a_stage_and_the_checklist_hold_a_bounded_number_of_items() {
        let mut d = service_delivery();
        d.stages[0].inputs = vec!["x".into(); MAX_ITEMS + 1];
        d.quality_checklist = vec!["check".into(); MAX_ITEMS + 1];
        let paths: Vec<String> = d.problems().iter().map(|p| p.path.join(".")).collect();
        assert_eq!(paths, ["qualityChecklist", "stages.0.inputs"]);
    }

    #[test]
    fn output_keys_are_snake_case_words() {
        assert_eq!(
            output_key("User acceptance sign-off"),
            "user_acceptance_sign_off"
        );
        assert_eq!(output_key("Testing & validation"), "testing_validation");
    }
}
