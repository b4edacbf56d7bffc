//! Automation Studio as the fake plays it: automations and their runs, SQL query activities,
//! imports, file transfers, and the tasks a Perform `start` answers. No wire format here: the
//! SOAP layer (`testing/soap/automation.rs`) reads requests into these calls and writes what
//! they answer.
//!
//! Rules, each MC's unless marked as the fake's own:
//! - an automation's `Status` uses MC's codes -1..8; a paused one (4) refuses Perform `start`
//!   (MC: a paused automation cannot be started again by Perform, it has to be reactivated);
//! - pausing is MC's Schedule `pause` of the automation by `ObjectID`;
//! - a run (an automation run, a query run, an import, a file transfer) is reported as running
//!   for a set number of status polls ([`AutomationStore::pending_polls`], default 2; the
//!   fake's own stand-in for time, so tests need no clock), then finished;
//! - a query activity is started by `ObjectID` only (MC's Perform a Query Activity article);
//!   its SQL is stored and recorded with each run but **never executed**: the target data
//!   extension does not change;
//! - an import counts the rows of its file, seeded with
//!   [`put_file`](crate::testing::AutomationsView::put_file) (the fake's stand-in for the SFTP
//!   file location): the first line is the header; a line with another number of fields than
//!   the header is an error, a line equal to an earlier one a duplicate, the rest successful.
//!   Rows are counted, not written into the data extension; a missing file ends the import
//!   with `ImportStatus` `Error`;
//! - file transfer activities cannot be created over SOAP (MC's rule); tests add them with
//!   [`add_file_transfer`](crate::testing::AutomationsView::add_file_transfer).

use std::collections::BTreeMap;

use super::{ModelError, ModelResult};

/// MC's automation status codes the fake uses.
pub(crate) const STATUS_READY: i32 = 2;
/// Running.
pub(crate) const STATUS_RUNNING: i32 = 3;
/// Paused.
pub(crate) const STATUS_PAUSED: i32 = 4;

/// An automation the fake holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeAutomation {
    /// `CustomerKey`.
    pub customer_key: String,
    /// `ObjectID`.
    pub object_id: String,
    /// `Name`.
    pub name: String,
    /// `Status` as set (MC's codes); while a run is going the fake reports 3 (Running).
    pub status: i32,
    /// `CreatedDate`.
    pub created: String,
}

/// A start of an automation, recorded by the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AutomationRun {
    /// The automation's `CustomerKey`.
    pub customer_key: String,
    /// The automation's `ObjectID`.
    pub object_id: String,
    /// The run's id (`AutomationInstance` `ObjectID`, MC's `ProgramInstanceID`).
    pub instance_id: String,
    /// The automation's `Name`.
    pub name: String,
    /// The MID of the business unit of the token that started it.
    pub account_id: u64,
    /// The client id of the package whose token started it.
    pub client_id: String,
    /// Status polls left in which the run is still reported running.
    pub polls_left: u32,
    /// When it finished (`CompletedTime`), once it has.
    pub completed: Option<String>,
}

/// A SQL query activity (`QueryDefinition`) the fake holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeQueryDefinition {
    /// `CustomerKey`.
    pub customer_key: String,
    /// `ObjectID`.
    pub object_id: String,
    /// `Name`.
    pub name: String,
    /// `QueryText`, exactly as received.
    pub query_text: String,
    /// `DataExtensionTarget.CustomerKey`.
    pub target_key: String,
    /// `TargetUpdateType`.
    pub update_type: String,
}

/// What a started activity is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskKind {
    /// A query activity run, with the SQL it would have run (never executed).
    Query {
        /// The query activity's `CustomerKey`.
        customer_key: String,
        /// The SQL at the time of the run.
        query_text: String,
    },
    /// An import run and its counts.
    Import {
        /// The import definition's `CustomerKey`.
        customer_key: String,
        /// The destination data extension's key.
        destination_key: String,
        /// False when the file was missing (the import ends in `Error`).
        file_found: bool,
        /// Rows in the file, without the header.
        total: u64,
        /// Rows counted successful.
        successful: u64,
        /// Rows with another number of fields than the header.
        errors: u64,
        /// Rows equal to an earlier row.
        duplicates: u64,
    },
    /// A file transfer run.
    FileTransfer {
        /// The file transfer activity's `CustomerKey`.
        customer_key: String,
    },
}

/// A started activity (the `Task/ID` of a Perform `start`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivityTask {
    /// The task id.
    pub task_id: String,
    /// What was started.
    pub kind: TaskKind,
    /// The MID of the token that started it.
    pub account_id: u64,
    /// Status polls left before it is reported finished.
    pub polls_left: u32,
    /// When it finished, once it has.
    pub completed: Option<String>,
}

impl ActivityTask {
    /// True when it finished in error (an import whose file was missing).
    pub fn failed(&self) -> bool {
        matches!(self.kind, TaskKind::Import { file_found: false, .. })
    }
}

/// An import definition the fake holds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeImportDefinition {
    /// `CustomerKey`.
    pub customer_key: String,
    /// `ObjectID`.
    pub object_id: String,
    /// `Name`.
    pub name: String,
    /// `FileSpec`.
    pub file_spec: String,
    /// The destination data extension's `CustomerKey`.
    pub destination_key: String,
}

/// A file transfer activity (added by tests; MC's SOAP API cannot create one).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeFileTransfer {
    /// `CustomerKey`.
    pub customer_key: String,
    /// `Name`.
    pub name: String,
}

/// Automation Studio state.
#[derive(Debug)]
pub(crate) struct AutomationStore {
    /// Automations, in the order added.
    pub automations: Vec<FakeAutomation>,
    /// Every automation start, in order.
    pub runs: Vec<AutomationRun>,
    /// Query activities, in the order created.
    pub queries: Vec<FakeQueryDefinition>,
    /// Import definitions, in the order created.
    pub imports: Vec<FakeImportDefinition>,
    /// File transfer activities, in the order added.
    pub file_transfers: Vec<FakeFileTransfer>,
    /// Started activities, in order.
    pub tasks: Vec<ActivityTask>,
    /// Files on the file location, by name.
    pub files: BTreeMap<String, String>,
    /// Status polls a new run is reported running for.
    pub pending_polls: u32,
    next_task: u64,
}

impl Default for AutomationStore {
    fn default() -> Self {
        AutomationStore {
            automations: Vec::new(),
            runs: Vec::new(),
            queries: Vec::new(),
            imports: Vec::new(),
            file_transfers: Vec::new(),
            tasks: Vec::new(),
            files: BTreeMap::new(),
            pending_polls: 2,
            next_task: 1000,
        }
    }
}

/// Who asks: the token's business unit and package.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caller<'a> {
    /// The MID.
    pub account_id: u64,
    /// The package's client id.
    pub client_id: &'a str,
}

impl AutomationStore {
    /// Adds (or replaces, by key) an automation with status 2 (Ready); returns its `ObjectID`.
    pub fn add_automation(&mut self, customer_key: &str, name: &str, object_id: String, now: String) -> String {
        self.automations.retain(|a| a.customer_key != customer_key);
        self.automations.push(FakeAutomation {
            customer_key: customer_key.to_owned(),
            object_id: object_id.clone(),
            name: name.to_owned(),
            status: STATUS_READY,
            created: now,
        });
        object_id
    }

    fn automation_index(&self, customer_key: Option<&str>, object_id: Option<&str>) -> ModelResult<usize> {
        let found = match (customer_key, object_id) {
            (Some(k), _) => self.automations.iter().position(|a| a.customer_key == k),
            (None, Some(id)) => self.automations.iter().position(|a| a.object_id == id),
            (None, None) => return Err(ModelError::invalid("Name the automation by CustomerKey or ObjectID.")),
        };
        found.ok_or_else(|| {
            ModelError::not_found(format!(
                "The automation `{}` does not exist (by CustomerKey or ObjectID).",
                customer_key.or(object_id).unwrap_or_default()
            ))
        })
    }

    /// The status an automation is reported with: 3 (Running) while a run of it is going.
    pub fn reported_status(&self, a: &FakeAutomation) -> i32 {
        let running = self
            .runs
            .iter()
            .any(|r| r.customer_key == a.customer_key && r.completed.is_none());
        if running && a.status != STATUS_PAUSED {
            STATUS_RUNNING
        } else {
            a.status
        }
    }

    /// Perform `start` of an automation: a new run, or an error for a paused or unknown one.
    pub fn start_automation(
        &mut self,
        caller: Caller<'_>,
        customer_key: Option<&str>,
        object_id: Option<&str>,
        instance_id: String,
    ) -> ModelResult<AutomationRun> {
        let a = &self.automations[self.automation_index(customer_key, object_id)?];
        if a.status == STATUS_PAUSED {
            return Err(ModelError::invalid(format!(
                "The automation `{}` is paused (Status 4) and cannot be started; reactivate it first.",
                a.customer_key
            )));
        }
        let run = AutomationRun {
            customer_key: a.customer_key.clone(),
            object_id: a.object_id.clone(),
            instance_id,
            name: a.name.clone(),
            account_id: caller.account_id,
            client_id: caller.client_id.to_owned(),
            polls_left: self.pending_polls,
            completed: finished_now(self.pending_polls),
        };
        self.runs.push(run.clone());
        Ok(run)
    }

    /// Schedule `pause` of an automation (MC names it by `ObjectID`; the fake also takes
    /// `CustomerKey`): status 4 (Paused).
    pub fn pause_automation(&mut self, customer_key: Option<&str>, object_id: Option<&str>) -> ModelResult<String> {
        let i = self.automation_index(customer_key, object_id)?;
        self.automations[i].status = STATUS_PAUSED;
        Ok(self.automations[i].object_id.clone())
    }

    /// Sets an automation's status code (tests' seeding).
    pub fn set_status(&mut self, customer_key: &str, status: i32) -> ModelResult<()> {
        let i = self.automation_index(Some(customer_key), None)?;
        self.automations[i].status = status;
        Ok(())
    }

    /// One status poll of the runs at `indexes`: each running one counts down and finishes
    /// when its polls are used up.
    pub fn poll_runs(&mut self, indexes: &[usize], now: &str) {
        for &i in indexes {
            if let Some(r) = self.runs.get_mut(i) {
                if r.completed.is_none() {
                    r.polls_left = r.polls_left.saturating_sub(1);
                    if r.polls_left == 0 {
                        r.completed = Some(now.to_owned());
                    }
                }
            }
        }
    }

    /// One status poll of the tasks at `indexes`.
    pub fn poll_tasks(&mut self, indexes: &[usize], now: &str) {
        for &i in indexes {
            if let Some(t) = self.tasks.get_mut(i) {
                if t.completed.is_none() {
                    t.polls_left = t.polls_left.saturating_sub(1);
                    if t.polls_left == 0 {
                        t.completed = Some(now.to_owned());
                    }
                }
            }
        }
    }

    /// Create `QueryDefinition`: a key, name, SQL and target are required; a taken key fails.
    pub fn create_query(&mut self, q: FakeQueryDefinition) -> ModelResult<String> {
        check_query(&q)?;
        if self.queries.iter().any(|x| x.customer_key == q.customer_key) {
            return Err(ModelError::exists(format!(
                "A query activity with CustomerKey `{}` already exists.",
                q.customer_key
            )));
        }
        let id = q.object_id.clone();
        self.queries.push(q);
        Ok(id)
    }

    /// Update `QueryDefinition` by `CustomerKey` (or `ObjectID`): the fields given replace the
    /// stored ones.
    pub fn update_query(
        &mut self,
        customer_key: Option<&str>,
        object_id: Option<&str>,
        apply: impl FnOnce(&mut FakeQueryDefinition),
    ) -> ModelResult<String> {
        let i = self.query_index(customer_key, object_id)?;
        let mut q = self.queries[i].clone();
        apply(&mut q);
        check_query(&q)?;
        let id = q.object_id.clone();
        self.queries[i] = q;
        Ok(id)
    }

    fn query_index(&self, customer_key: Option<&str>, object_id: Option<&str>) -> ModelResult<usize> {
        let found = match (customer_key, object_id) {
            (Some(k), _) => self.queries.iter().position(|q| q.customer_key == k),
            (None, Some(id)) => self.queries.iter().position(|q| q.object_id == id),
            (None, None) => {
                return Err(ModelError::invalid(
                    "Name the query activity by CustomerKey or ObjectID.",
                ))
            }
        };
        found.ok_or_else(|| {
            ModelError::not_found(format!(
                "The query activity `{}` does not exist.",
                customer_key.or(object_id).unwrap_or_default()
            ))
        })
    }

    fn new_task(&mut self, caller: Caller<'_>, kind: TaskKind) -> ActivityTask {
        self.next_task += 1;
        let task = ActivityTask {
            task_id: self.next_task.to_string(),
            kind,
            account_id: caller.account_id,
            polls_left: self.pending_polls,
            completed: finished_now(self.pending_polls),
        };
        self.tasks.push(task.clone());
        task
    }

    /// Perform `start` of a query activity, by `ObjectID` only (MC's rule): a task with the
    /// SQL recorded (never executed).
    pub fn run_query(&mut self, caller: Caller<'_>, object_id: Option<&str>) -> ModelResult<ActivityTask> {
        let Some(id) = object_id else {
            return Err(ModelError::invalid(
                "A query activity is started by its ObjectID; retrieve the QueryDefinition for it.",
            ));
        };
        let i = self.query_index(None, Some(id))?;
        let q = &self.queries[i];
        let kind = TaskKind::Query {
            customer_key: q.customer_key.clone(),
            query_text: q.query_text.clone(),
        };
        Ok(self.new_task(caller, kind))
    }

    /// Create `ImportDefinition`: the destination must be a data extension that exists
    /// (`destination_exists`), the key must be free.
    pub fn create_import(
        &mut self,
        d: FakeImportDefinition,
        destination_type: Option<&str>,
        destination_exists: bool,
    ) -> ModelResult<String> {
        for (field, value) in [
            ("CustomerKey", &d.customer_key),
            ("Name", &d.name),
            ("FileSpec", &d.file_spec),
            ("DestinationObject.CustomerKey", &d.destination_key),
        ] {
            if value.trim().is_empty() {
                return Err(ModelError::invalid(format!("An ImportDefinition needs {field}.")));
            }
        }
        if destination_type != Some("DataExtension") {
            return Err(ModelError::invalid(format!(
                "The DestinationObject must be written with xsi:type=\"DataExtension\" (got {}).",
                destination_type.map_or("no xsi:type".to_owned(), |t| format!("`{t}`"))
            )));
        }
        if !destination_exists {
            return Err(ModelError::not_found(format!(
                "The destination data extension `{}` does not exist.",
                d.destination_key
            )));
        }
        if self.imports.iter().any(|x| x.customer_key == d.customer_key) {
            return Err(ModelError::exists(format!(
                "An import definition with CustomerKey `{}` already exists.",
                d.customer_key
            )));
        }
        let id = d.object_id.clone();
        self.imports.push(d);
        Ok(id)
    }

    /// Perform `start` of an import definition (by `CustomerKey` or `ObjectID`): counts the
    /// rows of its file.
    pub fn start_import(
        &mut self,
        caller: Caller<'_>,
        customer_key: Option<&str>,
        object_id: Option<&str>,
    ) -> ModelResult<ActivityTask> {
        let d = match (customer_key, object_id) {
            (Some(k), _) => self.imports.iter().find(|d| d.customer_key == k),
            (None, Some(id)) => self.imports.iter().find(|d| d.object_id == id),
            (None, None) => {
                return Err(ModelError::invalid(
                    "Name the import definition by CustomerKey or ObjectID.",
                ))
            }
        }
        .ok_or_else(|| {
            ModelError::not_found(format!(
                "The import definition `{}` does not exist.",
                customer_key.or(object_id).unwrap_or_default()
            ))
        })?
        .clone();
        let kind = match self.files.get(&d.file_spec) {
            None => TaskKind::Import {
                customer_key: d.customer_key,
                destination_key: d.destination_key,
                file_found: false,
                total: 0,
                successful: 0,
                errors: 0,
                duplicates: 0,
            },
            Some(contents) => {
                let (total, successful, errors, duplicates) = count_rows(contents);
                TaskKind::Import {
                    customer_key: d.customer_key,
                    destination_key: d.destination_key,
                    file_found: true,
                    total,
                    successful,
                    errors,
                    duplicates,
                }
            }
        };
        Ok(self.new_task(caller, kind))
    }

    /// Perform `start` of a file transfer activity, by `CustomerKey`.
    pub fn start_file_transfer(&mut self, caller: Caller<'_>, customer_key: Option<&str>) -> ModelResult<ActivityTask> {
        let Some(k) = customer_key else {
            return Err(ModelError::invalid("Name the file transfer activity by CustomerKey."));
        };
        if !self.file_transfers.iter().any(|f| f.customer_key == k) {
            return Err(ModelError::not_found(format!(
                "The file transfer activity `{k}` does not exist (MC's SOAP API cannot create one; add it in Automation Studio)."
            )));
        }
        Ok(self.new_task(
            caller,
            TaskKind::FileTransfer {
                customer_key: k.to_owned(),
            },
        ))
    }
}

/// A run set to be reported running for no poll at all is finished when it starts.
fn finished_now(pending_polls: u32) -> Option<String> {
    (pending_polls == 0).then(super::generate::now_rfc3339)
}

fn check_query(q: &FakeQueryDefinition) -> ModelResult<()> {
    for (field, value) in [
        ("CustomerKey", &q.customer_key),
        ("Name", &q.name),
        ("QueryText", &q.query_text),
        ("DataExtensionTarget.CustomerKey", &q.target_key),
    ] {
        if value.trim().is_empty() {
            return Err(ModelError::invalid(format!("A QueryDefinition needs {field}.")));
        }
    }
    match q.update_type.as_str() {
        "Overwrite" | "Append" | "Update" => Ok(()),
        other => Err(ModelError::invalid(format!(
            "TargetUpdateType `{other}` is not Overwrite, Append or Update."
        ))),
    }
}

/// Counts a CSV file's rows: (total, successful, errors, duplicates). The first non-empty line
/// is the header.
fn count_rows(contents: &str) -> (u64, u64, u64, u64) {
    let mut lines = contents
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return (0, 0, 0, 0);
    };
    let width = header.split(',').count();
    let (mut total, mut ok, mut errors, mut duplicates) = (0, 0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    for line in lines {
        total += 1;
        if line.split(',').count() != width {
            errors += 1;
        } else if !seen.insert(line) {
            duplicates += 1;
        } else {
            ok += 1;
        }
    }
    (total, ok, errors, duplicates)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: Caller<'static> = Caller {
        account_id: 1,
        client_id: "c",
    };

    #[test]
    fn a_paused_automation_refuses_to_start_and_runs_finish_after_polls() {
        let mut s = AutomationStore::default();
        s.add_automation("k", "K", "oid".into(), "now".into());
        let run = s.start_automation(CALLER, Some("k"), None, "i1".into()).unwrap();
        assert_eq!(s.reported_status(&s.automations[0]), STATUS_RUNNING);
        s.poll_runs(&[0], "t");
        assert!(s.runs[0].completed.is_none(), "{run:?}");
        s.poll_runs(&[0], "t");
        assert!(s.runs[0].completed.is_some());
        assert_eq!(s.reported_status(&s.automations[0]), STATUS_READY);
        s.pause_automation(None, Some("oid")).unwrap();
        let e = s.start_automation(CALLER, Some("k"), None, "i2".into()).unwrap_err();
        assert!(e.message.contains("paused"), "{e}");
        assert_eq!(
            s.start_automation(CALLER, Some("x"), None, "i3".into())
                .unwrap_err()
                .soap_error_code(),
            12001
        );
    }

    #[test]
    fn rows_are_counted() {
        assert_eq!(count_rows("a,b\n1,2\n1,2\n3\n4,5\n"), (4, 2, 1, 1));
        assert_eq!(count_rows(""), (0, 0, 0, 0));
        assert_eq!(count_rows("a,b\r\n1,2\r\n"), (1, 1, 0, 0));
    }
}
