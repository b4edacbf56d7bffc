//! Automation Studio on the wire: reads SOAP requests into the model
//! ([`model::automation`](crate::testing::model::automation)) and writes MC's answers.
//!
//! | request | answer |
//! |---|---|
//! | Retrieve `Automation` | the automations; `Status` is MC's code (3 while a run is going, 4 once paused) |
//! | Retrieve `AutomationInstance` (filter `CustomerKey` or `ProgramInstanceID`) | the runs of the token's business unit; `Status` 3 while running, then 2 with a `CompletedTime` (MC's code list has no "complete"; the fake's choice) |
//! | Perform `start` on `Automation` (by `CustomerKey` or `ObjectID`) | a run; the result's `Object` carries the run's id as `ObjectID` (MC's article: "the instance ID is returned as the ObjectID"); a paused automation: `ErrorCode` 12000 saying it is paused; unknown: 12001 |
//! | Schedule `pause` on `Automation` (by `ObjectID`, MC's Pause an Automation sample; `CustomerKey` also accepted) | `Status` 4 (Paused); another Schedule action: 12002 |
//! | Create / Update `QueryDefinition` | stored (key, name, `QueryText` exactly as received, `DataExtensionTarget/CustomerKey`, `TargetUpdateType` `Overwrite`, `Append` or `Update`); Create answers `NewObjectID`; a taken key 12014, a missing field 12000, an unknown one on Update 12001 |
//! | Retrieve `QueryDefinition` | the stored definitions |
//! | Perform `start` on `QueryDefinition` (by `ObjectID` only, as MC) | a task (`Task/ID`); the SQL is recorded with the task, never executed |
//! | Create `ImportDefinition` | stored; the `DestinationObject` must carry `xsi:type="DataExtension"` and name an existing data extension by `CustomerKey` (else 12000 / 12001) |
//! | Perform `start` on `ImportDefinition` (by `CustomerKey` or `ObjectID`) | a task counting the rows of the file seeded with [`put_file`](AutomationsView::put_file) |
//! | Retrieve `ImportResultsSummary` (filter `TaskResultID`) | `ImportStatus` `Processing` (counts 0), then `Completed` with `TotalRows`, `NumberSuccessful`, `NumberErrors`, `NumberDuplicated`; `Error` when the file was missing |
//! | Perform `start` on `FileTransferActivity` (by `CustomerKey`) | a task; the activity must have been added with [`add_file_transfer`](AutomationsView::add_file_transfer) (MC's SOAP API cannot create one) |
//! | Retrieve `AsyncActivityStatus` (filter `TaskID`) | `Status` `Running`, then `Complete` (or `Error` for a failed import) with a `CompletedDate` |
//!
//! Every run and task is reported running for [`set_pending_polls`](AutomationsView::set_pending_polls)
//! Retrieves that return it (default 2), then finished. Runs and tasks are seen only by
//! tokens of the business unit that started them.

use super::objects::{Context, InObject, OutObject, Outcome, SoapRecord, ERR_UNSUPPORTED};
use super::retrieve::{Query, AUTOMATION_PROPERTIES};
use crate::testing::filter::Filter;
use crate::testing::model::automation::{
    ActivityTask, AutomationRun, Caller, FakeAutomation, FakeFileTransfer, FakeImportDefinition, FakeQueryDefinition,
    TaskKind,
};
use crate::testing::model::ModelError;
use crate::testing::state::State;
use crate::testing::util::{now_rfc3339, request_id};

const RUN_PROPERTIES: &[&str] = &[
    "ObjectID",
    "ProgramInstanceID",
    "ProgramID",
    "AutomationID",
    "CustomerKey",
    "Name",
    "Status",
    "CreatedDate",
    "CompletedTime",
];
const QUERY_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "QueryText",
    "TargetType",
    "TargetUpdateType",
    "DataExtensionTarget.CustomerKey",
    "DataExtensionTarget.Name",
];
const TASK_PROPERTIES: &[&str] = &[
    "TaskID",
    "Status",
    "StatusMessage",
    "ErrorMsg",
    "CompletedDate",
    "CustomerKey",
    "Type",
];
const IMPORT_PROPERTIES: &[&str] = &[
    "ID",
    "ObjectID",
    "TaskResultID",
    "ImportDefinitionCustomerKey",
    "ImportType",
    "ImportStatus",
    "NumberSuccessful",
    "NumberErrors",
    "NumberDuplicated",
    "TotalRows",
    "DestinationID",
];

fn record(object_type: &str, pairs: &[(&str, &str)]) -> SoapRecord {
    let mut r = SoapRecord::new(object_type);
    for (k, v) in pairs {
        r.set(k, v);
    }
    r
}

fn matching(records: &[SoapRecord], filter: Option<&Filter>) -> Vec<bool> {
    records
        .iter()
        .map(|r| filter.is_none_or(|f| f.matches(&|p| r.get(p).map(str::to_owned))))
        .collect()
}

fn automation_record(state: &State, a: &FakeAutomation) -> SoapRecord {
    let status = state.soap.automation.reported_status(a).to_string();
    record(
        "Automation",
        &[
            ("ObjectID", &a.object_id),
            ("ProgramID", &a.object_id),
            ("CustomerKey", &a.customer_key),
            ("Name", &a.name),
            ("Description", ""),
            ("Status", &status),
            ("IsActive", "true"),
            ("CreatedDate", &a.created),
            ("ModifiedDate", &a.created),
        ],
    )
}

fn run_record(r: &AutomationRun) -> SoapRecord {
    let status = if r.completed.is_some() { "2" } else { "3" };
    let mut rec = record(
        "AutomationInstance",
        &[
            ("ObjectID", &r.instance_id),
            ("ProgramInstanceID", &r.instance_id),
            ("ProgramID", &r.object_id),
            ("AutomationID", &r.object_id),
            ("CustomerKey", &r.customer_key),
            ("Name", &r.name),
            ("Status", status),
        ],
    );
    if let Some(done) = &r.completed {
        rec.set("CompletedTime", done);
    }
    rec
}

fn task_record(t: &ActivityTask) -> SoapRecord {
    let (key, kind) = match &t.kind {
        TaskKind::Query { customer_key, .. } => (customer_key, "Query"),
        TaskKind::Import { customer_key, .. } => (customer_key, "Import"),
        TaskKind::FileTransfer { customer_key } => (customer_key, "FileTransfer"),
    };
    let status = match (&t.completed, t.failed()) {
        (None, _) => "Running",
        (Some(_), false) => "Complete",
        (Some(_), true) => "Error",
    };
    let mut rec = record(
        "AsyncActivityStatus",
        &[
            ("TaskID", &t.task_id),
            ("Status", status),
            ("StatusMessage", status),
            ("CustomerKey", key),
            ("Type", kind),
        ],
    );
    if t.failed() {
        rec.set("ErrorMsg", "The import file was not found on the file location.");
    }
    if let Some(done) = &t.completed {
        rec.set("CompletedDate", done);
    }
    rec
}

fn import_record(t: &ActivityTask) -> Option<SoapRecord> {
    let TaskKind::Import {
        customer_key,
        destination_key,
        total,
        successful,
        errors,
        duplicates,
        ..
    } = &t.kind
    else {
        return None;
    };
    let done = t.completed.is_some();
    let status = match (done, t.failed()) {
        (false, _) => "Processing",
        (true, false) => "Completed",
        (true, true) => "Error",
    };
    let n = |v: &u64| if done { v.to_string() } else { "0".to_owned() };
    Some(record(
        "ImportResultsSummary",
        &[
            ("ID", &t.task_id),
            ("ObjectID", &t.task_id),
            ("TaskResultID", &t.task_id),
            ("ImportDefinitionCustomerKey", customer_key),
            ("ImportType", "DataExtension"),
            ("ImportStatus", status),
            ("NumberSuccessful", &n(successful)),
            ("NumberErrors", &n(errors)),
            ("NumberDuplicated", &n(duplicates)),
            ("TotalRows", &n(total)),
            ("DestinationID", destination_key),
        ],
    ))
}

/// Retrieve of one of this family's object types; `None` for another type. Each run or task
/// returned counts as one status poll.
pub(crate) fn retrieve(
    state: &mut State,
    ctx: &Context<'_>,
    object_type: &str,
    q: &Query<'_>,
) -> Option<Result<Vec<OutObject>, String>> {
    let filter = q.filter;
    let mid = ctx.token.account_id;
    let now = now_rfc3339();
    let store = &state.soap.automation;
    let answer = match object_type {
        "Automation" => {
            let recs: Vec<SoapRecord> = store.automations.iter().map(|a| automation_record(state, a)).collect();
            let hit = matching(&recs, filter);
            let keys: Vec<&str> = store
                .automations
                .iter()
                .zip(&hit)
                .filter(|(_, h)| **h)
                .map(|(a, _)| a.customer_key.as_str())
                .collect();
            let polled: Vec<usize> = (0..store.runs.len())
                .filter(|&i| store.runs[i].account_id == mid && keys.contains(&store.runs[i].customer_key.as_str()))
                .collect();
            let out = q.records(&recs, AUTOMATION_PROPERTIES, "Automation");
            state.soap.automation.poll_runs(&polled, &now);
            out
        }
        "AutomationInstance" => {
            let visible: Vec<usize> = (0..store.runs.len())
                .filter(|&i| store.runs[i].account_id == mid)
                .collect();
            let recs: Vec<SoapRecord> = visible.iter().map(|&i| run_record(&store.runs[i])).collect();
            let hit = matching(&recs, filter);
            let polled: Vec<usize> = visible.iter().zip(&hit).filter(|(_, h)| **h).map(|(i, _)| *i).collect();
            let out = q.records(&recs, RUN_PROPERTIES, "AutomationInstance");
            state.soap.automation.poll_runs(&polled, &now);
            out
        }
        "QueryDefinition" => {
            let recs: Vec<SoapRecord> = store
                .queries
                .iter()
                .map(|q| {
                    record(
                        "QueryDefinition",
                        &[
                            ("ObjectID", &q.object_id),
                            ("CustomerKey", &q.customer_key),
                            ("Name", &q.name),
                            ("QueryText", &q.query_text),
                            ("TargetType", "DE"),
                            ("TargetUpdateType", &q.update_type),
                            ("DataExtensionTarget.CustomerKey", &q.target_key),
                        ],
                    )
                })
                .collect();
            q.records(&recs, QUERY_PROPERTIES, "QueryDefinition")
        }
        "AsyncActivityStatus" | "ImportResultsSummary" => {
            let visible: Vec<usize> = (0..store.tasks.len())
                .filter(|&i| store.tasks[i].account_id == mid)
                .filter(|&i| object_type == "AsyncActivityStatus" || import_record(&store.tasks[i]).is_some())
                .collect();
            let recs: Vec<SoapRecord> = visible
                .iter()
                .filter_map(|&i| {
                    if object_type == "AsyncActivityStatus" {
                        Some(task_record(&store.tasks[i]))
                    } else {
                        import_record(&store.tasks[i])
                    }
                })
                .collect();
            let hit = matching(&recs, filter);
            let polled: Vec<usize> = visible.iter().zip(&hit).filter(|(_, h)| **h).map(|(i, _)| *i).collect();
            let known = if object_type == "AsyncActivityStatus" {
                TASK_PROPERTIES
            } else {
                IMPORT_PROPERTIES
            };
            let out = q.records(&recs, known, object_type);
            state.soap.automation.poll_tasks(&polled, &now);
            out
        }
        _ => return None,
    };
    Some(answer)
}

fn caller<'a>(ctx: &'a Context<'_>) -> Caller<'a> {
    Caller {
        account_id: ctx.token.account_id,
        client_id: &ctx.token.client_id,
    }
}

fn failed(e: ModelError) -> Outcome {
    Outcome::error(e.soap_error_code(), e.message)
}

fn task_outcome(
    what: &str,
    task: &ActivityTask,
    object_type: &str,
    key: Option<&str>,
    object_id: Option<&str>,
) -> Outcome {
    let mut props = Vec::new();
    if let Some(id) = object_id {
        props.push(("ObjectID".to_owned(), id.to_owned()));
    }
    if let Some(k) = key {
        props.push(("CustomerKey".to_owned(), k.to_owned()));
    }
    let mut out = Outcome::ok(
        format!("{what} perform called successfully"),
        Some(OutObject {
            xsi_type: object_type.to_owned(),
            props,
            row: None,
        }),
    );
    out.task_id = Some(task.task_id.clone());
    out
}

/// Perform `start` on an automation, query definition, import definition or file transfer
/// activity; `None` for another object type.
pub(crate) fn perform_start(state: &mut State, ctx: &Context<'_>, object_type: &str, d: &InObject) -> Option<Outcome> {
    let key = d.non_empty("CustomerKey").map(str::trim);
    let object_id = d.non_empty("ObjectID").map(str::trim);
    let store = &mut state.soap.automation;
    Some(match object_type {
        "Automation" => match store.start_automation(caller(ctx), key, object_id, request_id()) {
            Err(e) => failed(e),
            Ok(run) => Outcome::ok(
                "Automation start requested.",
                Some(OutObject {
                    xsi_type: "Automation".to_owned(),
                    props: vec![
                        ("ObjectID".to_owned(), run.instance_id),
                        ("CustomerKey".to_owned(), run.customer_key),
                    ],
                    row: None,
                }),
            ),
        },
        "QueryDefinition" => match store.run_query(caller(ctx), object_id) {
            Err(e) => failed(e),
            Ok(task) => task_outcome("QueryDefinition", &task, "QueryDefinition", None, object_id),
        },
        "ImportDefinition" => match store.start_import(caller(ctx), key, object_id) {
            Err(e) => failed(e),
            Ok(task) => task_outcome("ImportDefinition", &task, "ImportDefinition", key, object_id),
        },
        "FileTransferActivity" => match store.start_file_transfer(caller(ctx), key) {
            Err(e) => failed(e),
            Ok(task) => task_outcome("FileTransferActivity", &task, "FileTransferActivity", key, None),
        },
        _ => return None,
    })
}

/// Schedule on an `Automation`: `pause` is served; any other action is 12002.
pub(crate) fn schedule(state: &mut State, verb: &str, d: &InObject) -> Outcome {
    if !verb.eq_ignore_ascii_case("pause") {
        return Outcome::error(
            ERR_UNSUPPORTED,
            format!("The fake Marketing Cloud does not model Schedule `{verb}` on Automation (only `pause`)."),
        );
    }
    let key = d.non_empty("CustomerKey").map(str::trim);
    let object_id = d.non_empty("ObjectID").map(str::trim);
    match state.soap.automation.pause_automation(key, object_id) {
        Err(e) => failed(e),
        Ok(id) => Outcome::ok(
            "Automation paused.",
            Some(OutObject {
                xsi_type: "Automation".to_owned(),
                props: vec![("ObjectID".to_owned(), id)],
                row: None,
            }),
        ),
    }
}

/// Create or Update of a `QueryDefinition` or `ImportDefinition`; `None` for anything else.
pub(crate) fn write(state: &mut State, action: &str, object_type: &str, o: &InObject) -> Option<Outcome> {
    let text = |p: &str| o.prop(p).unwrap_or_default().to_owned();
    let trimmed = |p: &str| o.prop(p).unwrap_or_default().trim().to_owned();
    let created = |id: ModelResultId| match id {
        Err(e) => failed(e),
        Ok(id) => {
            let mut out = Outcome::ok("Created.", None);
            out.new_object_id = Some(id);
            out
        }
    };
    Some(match (action, object_type) {
        ("Create", "QueryDefinition") => {
            let q = FakeQueryDefinition {
                customer_key: trimmed("CustomerKey"),
                object_id: request_id(),
                name: text("Name"),
                query_text: text("QueryText"),
                target_key: trimmed("DataExtensionTarget.CustomerKey"),
                update_type: o.non_empty("TargetUpdateType").unwrap_or("Overwrite").trim().to_owned(),
            };
            created(state.soap.automation.create_query(q))
        }
        ("Update", "QueryDefinition") => {
            let key = o.non_empty("CustomerKey").map(str::trim);
            let object_id = o.non_empty("ObjectID").map(str::trim);
            let changed = state.soap.automation.update_query(key, object_id, |q| {
                if let Some(v) = o.prop("Name") {
                    q.name = v.to_owned();
                }
                if let Some(v) = o.prop("QueryText") {
                    q.query_text = v.to_owned();
                }
                if let Some(v) = o.prop("DataExtensionTarget.CustomerKey") {
                    q.target_key = v.trim().to_owned();
                }
                if let Some(v) = o.prop("TargetUpdateType") {
                    q.update_type = v.trim().to_owned();
                }
            });
            match changed {
                Err(e) => failed(e),
                Ok(_) => Outcome::ok("Updated.", None),
            }
        }
        ("Create", "ImportDefinition") => {
            let destination_key = trimmed("DestinationObject.CustomerKey");
            let exists = super::objects::find_data_extension_key(&state.rows(), &destination_key).is_some();
            let d = FakeImportDefinition {
                customer_key: trimmed("CustomerKey"),
                object_id: request_id(),
                name: text("Name"),
                file_spec: trimmed("FileSpec"),
                destination_key,
            };
            let destination_type = o.type_of("DestinationObject");
            created(state.soap.automation.create_import(d, destination_type, exists))
        }
        _ => return None,
    })
}

type ModelResultId = Result<String, ModelError>;

/// Automation Studio in the fake: automations and their runs, query activities, imports, file
/// transfers and their tasks. Made by
/// [`FakeMarketingCloud::automations`](crate::testing::FakeMarketingCloud::automations).
#[derive(Debug, Clone, Copy)]
pub struct AutomationsView<'a> {
    pub(crate) fake: &'a crate::testing::FakeMarketingCloud,
}

impl AutomationsView<'_> {
    /// Adds (or replaces, by key) an automation with status 2 (Ready) that SOAP can retrieve,
    /// start and pause; returns its `ObjectID`.
    pub fn add(&self, customer_key: &str, name: &str) -> String {
        self.fake
            .state()
            .soap
            .automation
            .add_automation(customer_key, name, request_id(), now_rfc3339())
    }

    /// The automations, in the order added (with their status as set, not as reported).
    pub fn list(&self) -> Vec<FakeAutomation> {
        self.fake.state().soap.automation.automations.clone()
    }

    /// Sets an automation's `Status` code (MC's -1..8); false when the key is unknown.
    pub fn set_status(&self, customer_key: &str, status: i32) -> bool {
        self.fake
            .state()
            .soap
            .automation
            .set_status(customer_key, status)
            .is_ok()
    }

    /// Every automation start (`Perform` `start`), in arrival order.
    pub fn runs(&self) -> Vec<AutomationRun> {
        self.fake.state().soap.automation.runs.clone()
    }

    /// How many status polls (Retrieves returning it) a run or task started from now on is
    /// reported running for (default 2; 0: finished at the first poll).
    pub fn set_pending_polls(&self, polls: u32) {
        self.fake.state().soap.automation.pending_polls = polls;
    }

    /// Puts a file on the fake's file location for imports to read (a CSV with a header row).
    pub fn put_file(&self, name: &str, contents: &str) {
        self.fake
            .state()
            .soap
            .automation
            .files
            .insert(name.to_owned(), contents.to_owned());
    }

    /// Adds a file transfer activity (MC's SOAP API cannot create one).
    pub fn add_file_transfer(&self, customer_key: &str, name: &str) {
        let mut state = self.fake.state();
        let list = &mut state.soap.automation.file_transfers;
        list.retain(|f| f.customer_key != customer_key);
        list.push(FakeFileTransfer {
            customer_key: customer_key.to_owned(),
            name: name.to_owned(),
        });
    }

    /// The query activities, in creation order.
    pub fn query_definitions(&self) -> Vec<FakeQueryDefinition> {
        self.fake.state().soap.automation.queries.clone()
    }

    /// The import definitions, in creation order.
    pub fn imports(&self) -> Vec<FakeImportDefinition> {
        self.fake.state().soap.automation.imports.clone()
    }

    /// Every started activity (query runs with their SQL, imports with their counts, file
    /// transfers), in order.
    pub fn tasks(&self) -> Vec<ActivityTask> {
        self.fake.state().soap.automation.tasks.clone()
    }
}
