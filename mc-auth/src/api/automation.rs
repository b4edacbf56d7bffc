//! Automation Studio over SOAP: automations (list, get, runs, start, pause), SQL query
//! activities (create, update, get, run), imports (create, start, results), file transfers
//! (start) and the status of any started activity.
//!
//! Where each call comes from in MC's SOAP documentation:
//!
//! | call | SOAP | MC's article |
//! |---|---|---|
//! | [`automations`](Automations::automations), [`automation`](Automations::automation) | Retrieve `Automation` | Interact with Automation Studio: Retrieve an Existing Automation |
//! | [`automation_runs`](Automations::automation_runs), [`automation_run`](Automations::automation_run) | Retrieve `AutomationInstance` | the same article: Retrieve a Single Instance (filter `ProgramInstanceID`) |
//! | [`start_automation`](Automations::start_automation) | Perform `start` on `Automation` | the same article: Perform an Automation Immediately |
//! | [`pause_automation`](Automations::pause_automation) | Schedule with `Action` `pause`, the automation (by `ObjectID`) as the `Interaction` | the same article: Pause an Automation (MC has no Perform `pause`) |
//! | [`create_query_activity`](Automations::create_query_activity), [`update_query_activity`](Automations::update_query_activity), [`query_activity`](Automations::query_activity) | Create, Update, Retrieve `QueryDefinition` | QueryDefinition; Creating and Updating a Query Activity |
//! | [`run_query_activity`](Automations::run_query_activity) | Perform `start` on `QueryDefinition` by `ObjectID`; answers `Task/ID` | Perform a Query Activity |
//! | [`activity_status`](Automations::activity_status) | Retrieve `AsyncActivityStatus` filtered by `TaskID` | Perform a Query Activity; Retrieve the Status of Programs Using AsyncActivityStatus |
//! | [`create_import`](Automations::create_import) | Create `ImportDefinition` with a `DestinationObject` of `xsi:type="DataExtension"` | Create an Import Definition |
//! | [`start_import`](Automations::start_import) | Perform `start` on `ImportDefinition` by `CustomerKey`; answers `Task/ID` | Start an Import Definition |
//! | [`import_results`](Automations::import_results) | Retrieve `ImportResultsSummary` filtered by `TaskResultID` | Retrieve the Aggregate Results of an Import |
//! | [`start_file_transfer`](Automations::start_file_transfer) | Perform `start` on `FileTransferActivity` by `CustomerKey` | Perform a File Transfer |
//!
//! MC's SOAP API cannot create, retrieve, update or delete a file transfer activity (its
//! Perform a File Transfer article: create it in Automation Studio); it can only start one.
//! Its progress is an [`activity_status`](Automations::activity_status) like a query's.
//!
//! There is no separate `run_automation`: MC's only way to run an automation now is Perform
//! `start`, which is [`start_automation`](Automations::start_automation).
//!
//! ```no_run
//! use mc_auth::api::automation::{ImportDefinition, QueryActivity};
//! use mc_auth::api::prelude::*;
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "automations_read automations_write automations_execute")]
//! struct Ops;
//!
//! # async fn run(c: Ops) -> mc_auth::Result<()> {
//! let query = QueryActivity::new("daily-vips", "Daily VIPs", "SELECT Email FROM Customers WHERE Tier = 'VIP'", "vips");
//! c.create_query_activity(&query).await?;
//! let task = c.run_query_activity("daily-vips").await?;
//! let status = c.activity_status(&task).await?;
//! println!("{:?}", status.map(|s| s.status));
//!
//! c.create_import(&ImportDefinition::new("load-customers", "Load customers", "customers.csv", "Customers")).await?;
//! let task = c.start_import("load-customers").await?;
//! if let Some(summary) = c.import_results(&task).await? {
//!     println!("{} of {} rows imported", summary.successful, summary.total);
//! }
//! # Ok(()) }
//! ```

use futures_util::stream::StreamExt;

use super::soap_reader::SoapReader;
use super::{Call, Continued};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{Field, FieldValue, Filter, ObjectResult, RetrieveRequest, SimpleFilter, SoapObject};

/// An automation's `Status`: MC's codes -1 to 8 (MC's Automation Studio status list; the
/// codes as numbers are those of MC's SSJS and SOAP answers). A code this crate does not know
/// is kept in [`Other`](Self::Other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AutomationStatus {
    /// -1: an error occurred when the automation ran.
    Error,
    /// 0: the automation was saved with an invalid configuration.
    BuildError,
    /// 1: the automation is being edited and cannot run.
    Building,
    /// 2: ready to run.
    Ready,
    /// 3: running.
    Running,
    /// 4: paused by hand; it does not run until reactivated.
    Paused,
    /// 5: stopped during its most recent run.
    Stopped,
    /// 6: scheduled to run.
    Scheduled,
    /// 7: waiting for a file drop or trigger.
    AwaitingTrigger,
    /// 8: its trigger is inactive.
    InactiveTrigger,
    /// A code this crate does not know, as MC sent it.
    Other(i32),
}

impl AutomationStatus {
    /// The status for MC's numeric code.
    pub fn from_code(code: i32) -> Self {
        match code {
            -1 => Self::Error,
            0 => Self::BuildError,
            1 => Self::Building,
            2 => Self::Ready,
            3 => Self::Running,
            4 => Self::Paused,
            5 => Self::Stopped,
            6 => Self::Scheduled,
            7 => Self::AwaitingTrigger,
            8 => Self::InactiveTrigger,
            other => Self::Other(other),
        }
    }

    /// MC's numeric code.
    pub fn code(self) -> i32 {
        match self {
            Self::Error => -1,
            Self::BuildError => 0,
            Self::Building => 1,
            Self::Ready => 2,
            Self::Running => 3,
            Self::Paused => 4,
            Self::Stopped => 5,
            Self::Scheduled => 6,
            Self::AwaitingTrigger => 7,
            Self::InactiveTrigger => 8,
            Self::Other(code) => code,
        }
    }
}

/// An automation, as retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Automation {
    /// The external key (`CustomerKey`).
    pub customer_key: String,
    /// MC's `ObjectID` (what Schedule and Perform by id use).
    pub object_id: Option<String>,
    /// `Name`.
    pub name: String,
    /// `Description`, when set.
    pub description: Option<String>,
    /// `Status`.
    pub status: AutomationStatus,
    /// `IsActive`, when answered.
    pub is_active: Option<bool>,
}

const AUTOMATION_PROPERTIES: &[&str] = &["ObjectID", "CustomerKey", "Name", "Description", "Status", "IsActive"];

impl Automation {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "Automation");
        Ok(Automation {
            customer_key: r.required("CustomerKey")?,
            object_id: r.text("ObjectID"),
            name: r.text("Name").unwrap_or_default(),
            description: r.text("Description"),
            status: AutomationStatus::from_code(r.required_number("Status")?),
            is_active: r.flag("IsActive")?,
        })
    }
}

/// One run of an automation (`AutomationInstance`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AutomationRun {
    /// The run's id (`ObjectID`; MC's `ProgramInstanceID`), as [`AutomationStarted::instance_id`].
    pub instance_id: String,
    /// The automation's external key (`CustomerKey`).
    pub customer_key: Option<String>,
    /// The automation's `Name`.
    pub name: Option<String>,
    /// `Status` of the run (MC's automation codes).
    pub status: AutomationStatus,
    /// `CompletedTime`, once the run has finished.
    pub completed_time: Option<String>,
}

impl AutomationRun {
    /// True once the run has finished (MC reports a `CompletedTime`).
    pub fn is_finished(&self) -> bool {
        self.completed_time.is_some()
    }

    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "AutomationInstance");
        Ok(AutomationRun {
            instance_id: r.required("ObjectID")?,
            customer_key: r.text("CustomerKey"),
            name: r.text("Name"),
            status: AutomationStatus::from_code(r.required_number("Status")?),
            completed_time: r.text("CompletedTime"),
        })
    }
}

const RUN_PROPERTIES: &[&str] = &["ObjectID", "CustomerKey", "Name", "Status", "CompletedTime"];

/// What [`Automations::start_automation`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AutomationStarted {
    /// The automation's external key, as asked.
    pub customer_key: String,
    /// The run's id: the `ObjectID` of the `Object` MC answers (MC's Automation Studio article:
    /// "the instance ID is returned as the ObjectID when calling Perform"); look the run up
    /// with [`Automations::automation_run`].
    pub instance_id: Option<String>,
    /// MC's `StatusMessage`.
    pub status_message: Option<String>,
}

/// The id of a started activity (MC's `Task/ID` of a Perform `start`), for
/// [`Automations::activity_status`] and [`Automations::import_results`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskId(pub String);

impl TaskId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TaskId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What a Create answers: MC's `NewObjectID` (or `NewID`) and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Created {
    /// The new object's `ObjectID` (`NewObjectID`), when MC answered one.
    pub object_id: Option<String>,
    /// MC's `StatusMessage`.
    pub status_message: Option<String>,
}

/// How a query activity writes its target data extension (`TargetUpdateType`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryUpdateType {
    /// `Overwrite`: replace every row.
    Overwrite,
    /// `Append`: add the rows.
    Append,
    /// `Update`: add new rows and update existing ones (by primary key).
    Update,
    /// Another value, as MC spells it.
    Other(String),
}

impl QueryUpdateType {
    fn as_str(&self) -> &str {
        match self {
            Self::Overwrite => "Overwrite",
            Self::Append => "Append",
            Self::Update => "Update",
            Self::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "Overwrite" => Self::Overwrite,
            "Append" => Self::Append,
            "Update" => Self::Update,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A SQL query activity (`QueryDefinition`) to create or update: its key, name, SQL and the
/// data extension its results go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryActivity {
    /// External key (`CustomerKey`).
    pub customer_key: String,
    /// `Name`.
    pub name: String,
    /// `Description`, when set.
    pub description: Option<String>,
    /// The SQL (`QueryText`), sent as written (escaped for XML by the writer).
    pub query_text: String,
    /// The target data extension's external key (`DataExtensionTarget/CustomerKey`).
    pub target_key: String,
    /// The target data extension's name (`DataExtensionTarget/Name`), when known.
    pub target_name: Option<String>,
    /// `TargetUpdateType` (default [`QueryUpdateType::Overwrite`]).
    pub update_type: QueryUpdateType,
}

impl QueryActivity {
    /// A query activity writing `query_text`'s rows into data extension `target_key`
    /// (overwriting them).
    pub fn new(
        customer_key: impl Into<String>,
        name: impl Into<String>,
        query_text: impl Into<String>,
        target_key: impl Into<String>,
    ) -> Self {
        QueryActivity {
            customer_key: customer_key.into(),
            name: name.into(),
            description: None,
            query_text: query_text.into(),
            target_key: target_key.into(),
            target_name: None,
            update_type: QueryUpdateType::Overwrite,
        }
    }

    /// Sets the `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the target data extension's name.
    pub fn target_name(mut self, name: impl Into<String>) -> Self {
        self.target_name = Some(name.into());
        self
    }

    /// Sets the `TargetUpdateType`.
    pub fn update_type(mut self, update_type: QueryUpdateType) -> Self {
        self.update_type = update_type;
        self
    }

    /// The `QueryDefinition` sent, after checking that the key, name, SQL and target are not
    /// blank (the error names the blank one).
    pub fn to_object(&self) -> Result<SoapObject> {
        non_blank("query activity", "customer key", &self.customer_key)?;
        non_blank("query activity", "name", &self.name)?;
        non_blank("query activity", "SQL (QueryText)", &self.query_text)?;
        non_blank("query activity", "target data extension key", &self.target_key)?;
        let mut o = SoapObject::new("QueryDefinition")
            .with("CustomerKey", self.customer_key.trim())
            .with("Name", self.name.as_str());
        if let Some(d) = &self.description {
            o = o.with("Description", d.as_str());
        }
        o = o.with("QueryText", self.query_text.as_str()).with("TargetType", "DE");
        let mut target = vec![Field::text("CustomerKey", self.target_key.trim())];
        if let Some(n) = &self.target_name {
            target.push(Field::text("Name", n));
        }
        o.fields.push(Field::nested("DataExtensionTarget", target));
        Ok(o.with("TargetUpdateType", self.update_type.as_str()))
    }
}

/// A query activity, as retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueryActivityInfo {
    /// `CustomerKey`.
    pub customer_key: String,
    /// `ObjectID` (what [`Automations::run_query_activity`] starts it by).
    pub object_id: String,
    /// `Name`.
    pub name: String,
    /// `QueryText`: the SQL.
    pub query_text: String,
    /// `DataExtensionTarget.CustomerKey`, when answered.
    pub target_key: Option<String>,
    /// `TargetUpdateType`, when answered.
    pub update_type: Option<QueryUpdateType>,
}

const QUERY_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "QueryText",
    "TargetUpdateType",
    "DataExtensionTarget.CustomerKey",
];

impl QueryActivityInfo {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "QueryDefinition");
        Ok(QueryActivityInfo {
            customer_key: r.required("CustomerKey")?,
            object_id: r.required("ObjectID")?,
            name: r.text("Name").unwrap_or_default(),
            // The SQL as answered, untrimmed: whitespace in it is the user's.
            query_text: o.get_path("QueryText").unwrap_or_default().to_owned(),
            target_key: r.text("DataExtensionTarget.CustomerKey"),
            update_type: r.text("TargetUpdateType").map(|t| QueryUpdateType::parse(&t)),
        })
    }
}

/// The state of a started activity (`AsyncActivityStatus` `Status`). MC does not document the
/// list; the values here are those its community reports, any other is kept in
/// [`Other`](Self::Other).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ActivityState {
    /// `Queued`.
    Queued,
    /// `Running`.
    Running,
    /// `Complete`.
    Complete,
    /// `Error`.
    Error,
    /// Another value, as MC sent it.
    Other(String),
}

impl ActivityState {
    fn parse(s: &str) -> Self {
        match s {
            "Queued" => Self::Queued,
            "Running" => Self::Running,
            "Complete" | "Completed" => Self::Complete,
            "Error" => Self::Error,
            other => Self::Other(other.to_owned()),
        }
    }

    /// True for `Complete` and `Error`: the activity will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Complete | Self::Error)
    }
}

/// The status of a started activity (`AsyncActivityStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActivityStatus {
    /// `TaskID`.
    pub task_id: String,
    /// `Status`.
    pub status: ActivityState,
    /// `StatusMessage`, when set.
    pub status_message: Option<String>,
    /// `ErrorMsg`, when set.
    pub error_message: Option<String>,
    /// `CompletedDate`, once finished.
    pub completed_date: Option<String>,
}

const STATUS_PROPERTIES: &[&str] = &["TaskID", "Status", "StatusMessage", "ErrorMsg", "CompletedDate"];

impl ActivityStatus {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "AsyncActivityStatus");
        Ok(ActivityStatus {
            task_id: r.required("TaskID")?,
            status: ActivityState::parse(&r.required("Status")?),
            status_message: r.text("StatusMessage"),
            error_message: r.text("ErrorMsg"),
            completed_date: r.text("CompletedDate"),
        })
    }
}

/// How an import writes rows (`UpdateType`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportUpdateType {
    /// `AddAndUpdate`: add new rows, update existing ones.
    AddAndUpdate,
    /// `AddAndDoNotUpdate`: add new rows only.
    AddAndDoNotUpdate,
    /// `UpdateButDoNotAdd`: update existing rows only.
    UpdateButDoNotAdd,
    /// `Overwrite`: replace every row.
    Overwrite,
    /// Another value, as MC spells it.
    Other(String),
}

impl ImportUpdateType {
    fn as_str(&self) -> &str {
        match self {
            Self::AddAndUpdate => "AddAndUpdate",
            Self::AddAndDoNotUpdate => "AddAndDoNotUpdate",
            Self::UpdateButDoNotAdd => "UpdateButDoNotAdd",
            Self::Overwrite => "Overwrite",
            Self::Other(s) => s,
        }
    }
}

/// An import activity (`ImportDefinition`) into a data extension, from a file on an MC file
/// location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDefinition {
    /// External key (`CustomerKey`).
    pub customer_key: String,
    /// `Name`.
    pub name: String,
    /// The file name or pattern on the file location (`FileSpec`), e.g. `customers_%%YYYYMMDD%%.csv`.
    pub file_spec: String,
    /// The destination data extension's external key (`DestinationObject`, sent with
    /// `xsi:type="DataExtension"` as MC's Create an Import Definition article shows).
    pub destination_key: String,
    /// `FileType` (default `CSV`).
    pub file_type: String,
    /// `UpdateType` (default [`ImportUpdateType::AddAndUpdate`]).
    pub update_type: ImportUpdateType,
    /// The file location's external key (`RetrieveFileTransferLocation/CustomerKey`; default
    /// `ExactTarget Enhanced FTP`, MC's own SFTP).
    pub file_location_key: String,
    /// `AllowErrors`: import the good rows when some are bad (default true).
    pub allow_errors: bool,
}

impl ImportDefinition {
    /// An import of `file_spec` (a CSV with a header row, columns mapped by heading) into data
    /// extension `destination_key`.
    pub fn new(
        customer_key: impl Into<String>,
        name: impl Into<String>,
        file_spec: impl Into<String>,
        destination_key: impl Into<String>,
    ) -> Self {
        ImportDefinition {
            customer_key: customer_key.into(),
            name: name.into(),
            file_spec: file_spec.into(),
            destination_key: destination_key.into(),
            file_type: "CSV".into(),
            update_type: ImportUpdateType::AddAndUpdate,
            file_location_key: "ExactTarget Enhanced FTP".into(),
            allow_errors: true,
        }
    }

    /// Sets the `UpdateType`.
    pub fn update_type(mut self, update_type: ImportUpdateType) -> Self {
        self.update_type = update_type;
        self
    }

    /// Sets the file location's external key.
    pub fn file_location(mut self, key: impl Into<String>) -> Self {
        self.file_location_key = key.into();
        self
    }

    /// The `ImportDefinition` sent, after checking that nothing required is blank.
    pub fn to_object(&self) -> Result<SoapObject> {
        non_blank("import definition", "customer key", &self.customer_key)?;
        non_blank("import definition", "name", &self.name)?;
        non_blank("import definition", "file spec", &self.file_spec)?;
        non_blank(
            "import definition",
            "destination data extension key",
            &self.destination_key,
        )?;
        non_blank("import definition", "file location key", &self.file_location_key)?;
        let mut o = SoapObject::new("ImportDefinition")
            .with("CustomerKey", self.customer_key.trim())
            .with("Name", self.name.as_str())
            .with("AllowErrors", if self.allow_errors { "true" } else { "false" });
        o.fields.push(Field {
            name: "DestinationObject".into(),
            value: FieldValue::Typed {
                xsi_type: "DataExtension".into(),
                fields: vec![Field::text("CustomerKey", self.destination_key.trim())],
            },
        });
        let o = o
            .with("FieldMappingType", "InferFromColumnHeadings")
            .with("FileSpec", self.file_spec.as_str())
            .with("FileType", self.file_type.as_str())
            .with_nested(
                "RetrieveFileTransferLocation",
                [("CustomerKey", self.file_location_key.trim())],
            )
            .with("UpdateType", self.update_type.as_str());
        Ok(o)
    }
}

/// An import run's `ImportStatus` (MC's ImportResultsSummary reference lists these).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportStatus {
    /// `New`: not processed yet.
    New,
    /// `Processing`.
    Processing,
    /// `IOWork`: writing.
    IoWork,
    /// `Completed`.
    Completed,
    /// `Error`.
    Error,
    /// `Unknown`: no status available.
    Unknown,
    /// Another value, as MC sent it.
    Other(String),
}

impl ImportStatus {
    fn parse(s: &str) -> Self {
        match s {
            "New" => Self::New,
            "Processing" => Self::Processing,
            "IOWork" => Self::IoWork,
            "Completed" => Self::Completed,
            "Error" => Self::Error,
            "Unknown" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }

    /// True for `Completed` and `Error`.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Error)
    }
}

/// The results of one import run (`ImportResultsSummary`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportSummary {
    /// `ImportDefinitionCustomerKey`.
    pub import_key: Option<String>,
    /// `ImportStatus`.
    pub status: ImportStatus,
    /// `NumberSuccessful`.
    pub successful: u64,
    /// `NumberErrors`.
    pub errors: u64,
    /// `NumberDuplicated`.
    pub duplicates: u64,
    /// `TotalRows`.
    pub total: u64,
    /// `DestinationID`: the data extension's id, when answered.
    pub destination_id: Option<String>,
}

const IMPORT_PROPERTIES: &[&str] = &[
    "ImportDefinitionCustomerKey",
    "ImportStatus",
    "NumberSuccessful",
    "NumberErrors",
    "NumberDuplicated",
    "TotalRows",
    "DestinationID",
    "TaskResultID",
];

impl ImportSummary {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "ImportResultsSummary");
        Ok(ImportSummary {
            import_key: r.text("ImportDefinitionCustomerKey"),
            status: ImportStatus::parse(&r.required("ImportStatus")?),
            successful: r.required_number("NumberSuccessful")?,
            errors: r.required_number("NumberErrors")?,
            duplicates: r.required_number("NumberDuplicated")?,
            total: r.required_number("TotalRows")?,
            destination_id: r.text("DestinationID"),
        })
    }
}

fn non_blank(what: &str, field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::config(
            what,
            format!("the {field} is empty; set it (nothing was sent)"),
        ));
    }
    Ok(())
}

/// A Retrieve of `object_type` with `properties`, filtered on `property` equal to `value`.
fn retrieve_by(object_type: &str, properties: &[&str], property: &str, value: &str) -> RetrieveRequest {
    RetrieveRequest::new(object_type, properties.iter().copied())
        .filter(Filter::from(SimpleFilter::equals(property, value.trim())))
}

/// The first object of a Retrieve, decoded.
async fn first<T>(
    client: &Client,
    request: RetrieveRequest,
    decode: fn(&SoapObject) -> Result<T>,
) -> Result<Option<T>> {
    let mut objects = client.soap().retrieve_stream(&request);
    match objects.next().await {
        None => Ok(None),
        Some(o) => decode(&o?).map(Some),
    }
}

/// The one result of a call for one object.
fn only(results: Vec<ObjectResult>, what: &str) -> Result<ObjectResult> {
    results.into_iter().next().ok_or_else(|| Error::UnexpectedResponse {
        status: 200,
        endpoint: format!("SOAP {what}"),
        problem: "no result for the object sent".into(),
        excerpt: String::new(),
    })
}

/// The `Task/ID` of a Perform `start` result.
fn task_of(result: ObjectResult, what: &str) -> Result<TaskId> {
    result.task_id.map(TaskId).ok_or_else(|| Error::UnexpectedResponse {
        status: 200,
        endpoint: format!("SOAP Perform {what}"),
        problem: format!("the {what} was started but MC's result has no Task/ID to follow it by"),
        excerpt: String::new(),
    })
}

/// Checks a key before anything is sent.
fn key(what: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::config(
            what,
            "the external key is empty; pass the object's external key (CustomerKey); nothing was sent",
        ));
    }
    Ok(v.to_owned())
}

fn not_found(what: &str, object_type: &str, key: &str) -> Error {
    Error::config(
        what,
        format!("no {object_type} with external key `{key}` was found (nothing was started or changed)"),
    )
}

/// Automation Studio, for every client type with the scopes each call needs (the catalog's
/// operations under "Automation Studio"). Calls return [`Call`]s; listings are [`Continued`]
/// streams that follow MC's `ContinueRequest`.
pub trait Automations: ScopedClient {
    /// Every automation (SOAP Retrieve of `Automation`), as a lazy stream. An automation that
    /// does not decode (a missing key, a non-numeric `Status`) is an error item naming it.
    ///
    #[doc = crate::scope::op_doc!(list_automations)]
    fn automations(&self) -> Continued<Automation>
    where
        Self: Has<op::ListAutomations>,
    {
        let request = RetrieveRequest::new("Automation", AUTOMATION_PROPERTIES.iter().copied());
        let objects = self.client().soap().retrieve_stream(&request);
        Continued::new(objects.map(|o| o.and_then(|o| Automation::from_object(&o))))
    }

    /// The automation with external key `customer_key`, or `None`.
    ///
    #[doc = crate::scope::op_doc!(get_automation)]
    fn automation(&self, customer_key: &str) -> Call<Option<Automation>>
    where
        Self: Has<op::GetAutomation>,
    {
        let client = self.client().clone();
        let k = key("automation", customer_key);
        Call::new(async move {
            let request = retrieve_by("Automation", AUTOMATION_PROPERTIES, "CustomerKey", &k?);
            first(&client, request, Automation::from_object).await
        })
    }

    /// The runs of the automation with external key `customer_key` (SOAP Retrieve of
    /// `AutomationInstance`), each with its status, as a lazy stream.
    ///
    #[doc = crate::scope::op_doc!(automation_runs)]
    fn automation_runs(&self, customer_key: &str) -> Continued<AutomationRun>
    where
        Self: Has<op::AutomationRuns>,
    {
        match key("automation", customer_key) {
            Err(e) => Continued::failed(e),
            Ok(k) => {
                let request = retrieve_by("AutomationInstance", RUN_PROPERTIES, "CustomerKey", &k);
                let objects = self.client().soap().retrieve_stream(&request);
                Continued::new(objects.map(|o| o.and_then(|o| AutomationRun::from_object(&o))))
            }
        }
    }

    /// One run by its id ([`AutomationStarted::instance_id`]; MC's filter
    /// `ProgramInstanceID`), or `None`. Poll it until [`AutomationRun::is_finished`].
    ///
    #[doc = crate::scope::op_doc!(automation_runs)]
    fn automation_run(&self, instance_id: &str) -> Call<Option<AutomationRun>>
    where
        Self: Has<op::AutomationRuns>,
    {
        let client = self.client().clone();
        let id = key("automation run", instance_id);
        Call::new(async move {
            let request = retrieve_by("AutomationInstance", RUN_PROPERTIES, "ProgramInstanceID", &id?);
            first(&client, request, AutomationRun::from_object).await
        })
    }

    /// Starts (runs now) the automation with external key `customer_key` (SOAP `Perform`
    /// `start`). A paused automation is refused by MC; an unknown key is
    /// [`Error::SoapObjects`].
    ///
    #[doc = crate::scope::op_doc!(start_automation)]
    fn start_automation(&self, customer_key: &str) -> Call<AutomationStarted>
    where
        Self: Has<op::StartAutomation>,
    {
        let client = self.client().clone();
        let k = key("automation", customer_key);
        Call::new(async move {
            let k = k?;
            let definition = [SoapObject::new("Automation").with("CustomerKey", k.as_str())];
            let result = only(client.soap().perform("start", &definition).await?, "Perform Automation")?;
            Ok(AutomationStarted {
                instance_id: result
                    .object
                    .as_ref()
                    .and_then(|o| SoapReader::new(o, "Automation").text("ObjectID")),
                status_message: result.status_message,
                customer_key: k,
            })
        })
    }

    /// Pauses the automation with external key `customer_key`: looks up its `ObjectID`, then
    /// sends MC's documented pause, a SOAP `Schedule` with `Action` `pause` and the automation
    /// as the interaction (MC's Interact with Automation Studio article, "Pause an
    /// Automation"; there is no Perform `pause`). A paused automation does not run until
    /// reactivated.
    ///
    #[doc = crate::scope::op_doc!(pause_automation)]
    ///
    /// The lookup also needs `automations_read` ([`op::GetAutomation`]).
    fn pause_automation(&self, customer_key: &str) -> Call<ObjectResult>
    where
        Self: Has<op::PauseAutomation> + Has<op::GetAutomation>,
    {
        let client = self.client().clone();
        let k = key("automation", customer_key);
        Call::new(async move {
            let k = k?;
            let request = retrieve_by("Automation", AUTOMATION_PROPERTIES, "CustomerKey", &k);
            let automation = first(&client, request, Automation::from_object)
                .await?
                .ok_or_else(|| not_found("automation", "Automation", &k))?;
            let object_id = automation.object_id.ok_or_else(|| Error::UnexpectedResponse {
                status: 200,
                endpoint: "SOAP Retrieve Automation".into(),
                problem: format!("the Automation `{k}` was answered without an ObjectID, which pausing needs"),
                excerpt: String::new(),
            })?;
            let interaction = [SoapObject::new("Automation").with("ObjectID", object_id)];
            let schedule = SoapObject::new("Schedule");
            only(
                client.soap().schedule("pause", &schedule, &interaction).await?,
                "Schedule Automation",
            )
        })
    }

    /// Creates a SQL query activity (SOAP Create of `QueryDefinition`). The SQL is sent as
    /// written: `'`, `<`, `&` and the like are escaped for XML and arrive intact.
    ///
    #[doc = crate::scope::op_doc!(create_query_activity)]
    fn create_query_activity(&self, query: &QueryActivity) -> Call<Created>
    where
        Self: Has<op::CreateQueryActivity>,
    {
        let client = self.client().clone();
        let object = query.to_object();
        Call::new(async move {
            let result = only(client.soap().create(&[object?]).await?, "Create QueryDefinition")?;
            Ok(Created {
                object_id: result.new_object_id.or(result.new_id),
                status_message: result.status_message,
            })
        })
    }

    /// Updates the query activity with `query.customer_key` (SOAP Update of
    /// `QueryDefinition`): its name, SQL, target and update type.
    ///
    #[doc = crate::scope::op_doc!(update_query_activity)]
    fn update_query_activity(&self, query: &QueryActivity) -> Call<ObjectResult>
    where
        Self: Has<op::UpdateQueryActivity>,
    {
        let client = self.client().clone();
        let object = query.to_object();
        Call::new(async move { only(client.soap().update(&[object?]).await?, "Update QueryDefinition") })
    }

    /// The query activity with external key `customer_key`, or `None`.
    ///
    #[doc = crate::scope::op_doc!(get_query_activity)]
    fn query_activity(&self, customer_key: &str) -> Call<Option<QueryActivityInfo>>
    where
        Self: Has<op::GetQueryActivity>,
    {
        let client = self.client().clone();
        let k = key("query activity", customer_key);
        Call::new(async move {
            let request = retrieve_by("QueryDefinition", QUERY_PROPERTIES, "CustomerKey", &k?);
            first(&client, request, QueryActivityInfo::from_object).await
        })
    }

    /// Runs the query activity with external key `customer_key`: looks up its `ObjectID` (MC
    /// starts query activities by `ObjectID` only, its Perform a Query Activity article), then
    /// SOAP Perform `start`. Answers the task id to follow with
    /// [`activity_status`](Self::activity_status).
    ///
    #[doc = crate::scope::op_doc!(run_query_activity)]
    ///
    /// The lookup also needs `automations_read` ([`op::GetQueryActivity`]).
    fn run_query_activity(&self, customer_key: &str) -> Call<TaskId>
    where
        Self: Has<op::RunQueryActivity> + Has<op::GetQueryActivity>,
    {
        let client = self.client().clone();
        let k = key("query activity", customer_key);
        Call::new(async move {
            let k = k?;
            let request = retrieve_by("QueryDefinition", QUERY_PROPERTIES, "CustomerKey", &k);
            let query = first(&client, request, QueryActivityInfo::from_object)
                .await?
                .ok_or_else(|| not_found("query activity", "QueryDefinition", &k))?;
            let definition = [SoapObject::new("QueryDefinition").with("ObjectID", query.object_id)];
            let result = only(
                client.soap().perform("start", &definition).await?,
                "Perform QueryDefinition",
            )?;
            task_of(result, "query activity")
        })
    }

    /// The status of a started activity (a query run, an import, a file transfer) by its task
    /// id (SOAP Retrieve of `AsyncActivityStatus` filtered by `TaskID`), or `None` when MC
    /// knows no such task.
    ///
    #[doc = crate::scope::op_doc!(activity_status)]
    fn activity_status(&self, task_id: &TaskId) -> Call<Option<ActivityStatus>>
    where
        Self: Has<op::ActivityStatus>,
    {
        let client = self.client().clone();
        let id = key("activity task id", task_id.as_str());
        Call::new(async move {
            let request = retrieve_by("AsyncActivityStatus", STATUS_PROPERTIES, "TaskID", &id?);
            first(&client, request, ActivityStatus::from_object).await
        })
    }

    /// Creates an import definition (SOAP Create of `ImportDefinition`) into a data extension.
    ///
    #[doc = crate::scope::op_doc!(create_import)]
    fn create_import(&self, import: &ImportDefinition) -> Call<Created>
    where
        Self: Has<op::CreateImport>,
    {
        let client = self.client().clone();
        let object = import.to_object();
        Call::new(async move {
            let result = only(client.soap().create(&[object?]).await?, "Create ImportDefinition")?;
            Ok(Created {
                object_id: result.new_object_id.or(result.new_id),
                status_message: result.status_message,
            })
        })
    }

    /// Starts the import definition with external key `customer_key` (SOAP Perform `start`).
    /// Answers the task id to read the results by ([`import_results`](Self::import_results)).
    ///
    #[doc = crate::scope::op_doc!(start_import)]
    fn start_import(&self, customer_key: &str) -> Call<TaskId>
    where
        Self: Has<op::StartImport>,
    {
        let client = self.client().clone();
        let k = key("import definition", customer_key);
        Call::new(async move {
            let definition = [SoapObject::new("ImportDefinition").with("CustomerKey", k?)];
            let result = only(
                client.soap().perform("start", &definition).await?,
                "Perform ImportDefinition",
            )?;
            task_of(result, "import")
        })
    }

    /// The results of an import run (SOAP Retrieve of `ImportResultsSummary` filtered by
    /// `TaskResultID`): status, rows successful, errors, duplicates and total; `None` when MC
    /// knows no such run.
    ///
    #[doc = crate::scope::op_doc!(import_results)]
    fn import_results(&self, task_id: &TaskId) -> Call<Option<ImportSummary>>
    where
        Self: Has<op::ImportResults>,
    {
        let client = self.client().clone();
        let id = key("import task id", task_id.as_str());
        Call::new(async move {
            let request = retrieve_by("ImportResultsSummary", IMPORT_PROPERTIES, "TaskResultID", &id?);
            first(&client, request, ImportSummary::from_object).await
        })
    }

    /// Starts the file transfer activity with external key `customer_key` (SOAP Perform
    /// `start`); follow it with [`activity_status`](Self::activity_status). MC's SOAP API
    /// cannot create file transfer activities: make them in Automation Studio.
    ///
    #[doc = crate::scope::op_doc!(start_file_transfer)]
    fn start_file_transfer(&self, customer_key: &str) -> Call<TaskId>
    where
        Self: Has<op::StartFileTransfer>,
    {
        let client = self.client().clone();
        let k = key("file transfer", customer_key);
        Call::new(async move {
            let definition = [SoapObject::new("FileTransferActivity").with("CustomerKey", k?)];
            let result = only(
                client.soap().perform("start", &definition).await?,
                "Perform FileTransferActivity",
            )?;
            task_of(result, "file transfer")
        })
    }
}

impl<C: ScopedClient> Automations for C {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_round_trip_and_unknown_ones_are_kept() {
        for code in -1..=8 {
            assert_eq!(AutomationStatus::from_code(code).code(), code);
            assert!(!matches!(AutomationStatus::from_code(code), AutomationStatus::Other(_)));
        }
        assert_eq!(AutomationStatus::from_code(4), AutomationStatus::Paused);
        assert_eq!(AutomationStatus::from_code(42), AutomationStatus::Other(42));
        assert_eq!(AutomationStatus::from_code(-7).code(), -7);
    }

    #[test]
    fn bad_answers_are_errors_naming_type_property_and_value() {
        let o = SoapObject::new("Automation")
            .with("CustomerKey", "k")
            .with("Status", "running");
        let e = Automation::from_object(&o).unwrap_err().to_string();
        assert!(
            e.contains("Status") && e.contains("`running`") && e.contains("Automation"),
            "{e}"
        );
        let o = SoapObject::new("Automation").with("CustomerKey", "k");
        let e = Automation::from_object(&o).unwrap_err().to_string();
        assert!(e.contains("the Automation property Status is missing or empty"), "{e}");
        let o = SoapObject::new("ImportResultsSummary")
            .with("ImportStatus", "Completed")
            .with("NumberSuccessful", "3")
            .with("NumberErrors", "x1")
            .with("NumberDuplicated", "0")
            .with("TotalRows", "3");
        let e = ImportSummary::from_object(&o).unwrap_err().to_string();
        assert!(
            e.contains("the ImportResultsSummary property NumberErrors is `x1`, not a number"),
            "{e}"
        );
        let o = SoapObject::new("AsyncActivityStatus").with("TaskID", "1");
        let e = ActivityStatus::from_object(&o).unwrap_err().to_string();
        assert!(
            e.contains("the AsyncActivityStatus property Status is missing or empty"),
            "{e}"
        );
    }

    #[test]
    fn requests_refuse_blank_fields() {
        let e = QueryActivity::new("k", "n", "  ", "t")
            .to_object()
            .unwrap_err()
            .to_string();
        assert!(e.contains("SQL"), "{e}");
        let e = ImportDefinition::new("k", "n", "f.csv", "")
            .to_object()
            .unwrap_err()
            .to_string();
        assert!(e.contains("destination"), "{e}");
        let o = ImportDefinition::new("k", "n", "f.csv", "Customers")
            .to_object()
            .unwrap();
        assert!(matches!(
            &o.fields.iter().find(|f| f.name == "DestinationObject").unwrap().value,
            FieldValue::Typed { xsi_type, .. } if xsi_type == "DataExtension"
        ));
    }
}
