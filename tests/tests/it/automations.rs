//! Automation Studio over SOAP against the fake: automations (list, get, runs, start, pause),
//! query activities (create, update, get, run, status), imports (create, start, results) and
//! file transfers, each over real HTTP; status progression by polls; pause then start refused;
//! SQL with XML's special characters intact; unknown keys and missing scopes refused.

use futures_util::StreamExt;
use mc_auth::api::automation::{
    ActivityState, AutomationStatus, ImportDefinition, ImportStatus, QueryActivity, QueryUpdateType, TaskId,
};
use mc_auth::api::prelude::*;
use mc_auth::testing::{FakeMarketingCloud, Package, TaskKind};
use mc_auth::{mc_client, Error};

#[mc_client(scopes = "automations_read automations_write automations_execute")]
struct Ops;

#[mc_client(scopes = "automations_read")]
struct Reader;

async fn setup() -> (FakeMarketingCloud, Ops) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("ops", "ops-secret-value").scopes(Ops::SCOPES));
    let client = Ops::connect(creds).await.unwrap();
    (fake, client)
}

#[tokio::test]
async fn automations_list_get_start_and_runs_progress_by_polls() {
    let (fake, c) = setup().await;
    let nightly_id = fake.automations().add("nightly", "Nightly import");
    fake.automations().add("weekly", "Weekly <report> & 'cleanup'");
    fake.automations().set_pending_polls(2);

    let all: Vec<_> = c.automations().map(|a| a.unwrap()).collect().await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].name, "Weekly <report> & 'cleanup'");
    assert!(all.iter().all(|a| a.status == AutomationStatus::Ready));

    let nightly = c.automation("nightly").await.unwrap().unwrap();
    assert_eq!(nightly.object_id.as_deref(), Some(nightly_id.as_str()));
    assert_eq!(nightly.status.code(), 2);
    assert!(c.automation("no-such").await.unwrap().is_none());

    let started = c.start_automation("nightly").await.unwrap();
    let run_id = started.instance_id.clone().expect("MC answers the run's id");
    assert_eq!(fake.automations().runs()[0].instance_id, run_id);

    // Two polls see the run (and the automation) running, the third sees it finished.
    for _ in 0..2 {
        let run = c.automation_run(&run_id).await.unwrap().unwrap();
        assert_eq!(run.status, AutomationStatus::Running);
        assert!(!run.is_finished());
    }
    let run = c.automation_run(&run_id).await.unwrap().unwrap();
    assert!(run.is_finished(), "{run:?}");
    assert_eq!(run.customer_key.as_deref(), Some("nightly"));
    assert_eq!(
        c.automation("nightly").await.unwrap().unwrap().status,
        AutomationStatus::Ready
    );

    let runs: Vec<_> = c.automation_runs("nightly").map(|r| r.unwrap()).collect().await;
    assert_eq!(runs.len(), 1);
    assert!(c.automation_runs("weekly").next().await.is_none());
    assert!(c.automation_run("no-such-run").await.unwrap().is_none());
}

#[tokio::test]
async fn a_paused_automation_refuses_to_start() {
    let (fake, c) = setup().await;
    let id = fake.automations().add("nightly", "Nightly import");
    let paused = c.pause_automation("nightly").await.unwrap();
    assert!(paused.is_ok());
    // MC's documented pause: a Schedule with Action pause, the automation by ObjectID.
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(body.contains("<ScheduleRequestMsg"), "{body}");
    assert!(body.contains("<Action>pause</Action>"), "{body}");
    assert!(body.contains(&format!("<ObjectID>{id}</ObjectID>")), "{body}");
    assert_eq!(
        c.automation("nightly").await.unwrap().unwrap().status,
        AutomationStatus::Paused
    );

    match c.start_automation("nightly").await {
        Err(Error::SoapObjects { results, .. }) => {
            let message = results[0].status_message.clone().unwrap_or_default();
            assert!(message.contains("paused") && message.contains("nightly"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.automations().runs().is_empty());

    // Unknown keys: a clear error for pause; MC's per-object error for start.
    let e = c.pause_automation("no-such").await.unwrap_err().to_string();
    assert!(e.contains("no-such") && e.contains("Automation"), "{e}");
    match c.start_automation("no-such").await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12001)),
        other => panic!("{other:?}"),
    }
    // A blank key is refused before sending.
    let before = fake.requests().soap_bodies().len();
    assert!(matches!(c.start_automation("  ").await, Err(Error::Config { .. })));
    assert_eq!(fake.requests().soap_bodies().len(), before);
}

#[tokio::test]
async fn query_activities_round_trip_with_xml_special_characters() {
    let (fake, c) = setup().await;
    fake.automations().set_pending_polls(1);
    let sql = "SELECT Email, 'O''Brien' AS Name FROM [Customers] WHERE Score < 5 AND Tier <> 'VIP' AND Note = 'a & b' AND x > 1";
    let query = QueryActivity::new("vips", "VIPs & friends", sql, "vip_target").description("<daily>");
    let created = c.create_query_activity(&query).await.unwrap();
    assert!(created.object_id.is_some());
    let stored = &fake.automations().query_definitions()[0];
    assert_eq!(stored.query_text, sql, "the fake stored the SQL exactly");
    let got = c.query_activity("vips").await.unwrap().unwrap();
    assert_eq!(got.query_text, sql);
    assert_eq!(got.name, "VIPs & friends");
    assert_eq!(got.target_key.as_deref(), Some("vip_target"));
    assert_eq!(got.update_type, Some(QueryUpdateType::Overwrite));
    assert_eq!(Some(got.object_id.clone()), created.object_id);

    // A second create with the same key is MC's "exists".
    match c.create_query_activity(&query).await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12014)),
        other => panic!("{other:?}"),
    }

    let updated_sql = "SELECT 1 AS \"One\" WHERE 'x' <> '<y>'";
    let update = QueryActivity::new("vips", "VIPs", updated_sql, "vip_target").update_type(QueryUpdateType::Append);
    assert!(c.update_query_activity(&update).await.unwrap().is_ok());
    let got = c.query_activity("vips").await.unwrap().unwrap();
    assert_eq!(got.query_text, updated_sql);
    assert_eq!(got.update_type, Some(QueryUpdateType::Append));

    let task = c.run_query_activity("vips").await.unwrap();
    // MC starts a query activity by ObjectID only.
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(
        body.contains(&format!("<ObjectID>{}</ObjectID>", got.object_id)),
        "{body}"
    );
    let tasks = fake.automations().tasks();
    assert!(
        matches!(&tasks[0].kind, TaskKind::Query { query_text, .. } if query_text == updated_sql),
        "{tasks:?}"
    );
    let first = c.activity_status(&task).await.unwrap().unwrap();
    assert_eq!(first.status, ActivityState::Running);
    let second = c.activity_status(&task).await.unwrap().unwrap();
    assert_eq!(second.status, ActivityState::Complete);
    assert!(second.status.is_final() && second.completed_date.is_some());

    // MC starts a query activity by ObjectID only; the fake refuses a start by key, saying so.
    let by_key = [mc_auth::soap::SoapObject::new("QueryDefinition").with("CustomerKey", "vips")];
    match c
        .soap()
        .perform::<mc_auth::soap::QueryDefinition>("start", &by_key)
        .await
    {
        Err(Error::SoapObjects { results, .. }) => {
            assert_eq!(results[0].error_code, Some(12000));
            assert!(results[0].status_message.as_deref().unwrap_or("").contains("ObjectID"));
        }
        other => panic!("{other:?}"),
    }

    // Unknown keys and tasks.
    let e = c.run_query_activity("no-such").await.unwrap_err().to_string();
    assert!(e.contains("no-such") && e.contains("QueryDefinition"), "{e}");
    assert!(c.query_activity("no-such").await.unwrap().is_none());
    assert!(c.activity_status(&TaskId("424242".into())).await.unwrap().is_none());
    match c
        .update_query_activity(&QueryActivity::new("no-such", "n", "SELECT 1", "t"))
        .await
    {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12001)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn imports_count_the_rows_of_the_seeded_file() {
    let (fake, c) = setup().await;
    fake.data_extensions().add("Customers", "Customers", ["Email"]);
    fake.automations().set_pending_polls(0);
    fake.automations().put_file(
        "customers.csv",
        "Email,Name\nada@example.com,Ada\ngrace@example.com,Grace\nada@example.com,Ada\nbroken-row\nedsger@example.com,Edsger\n",
    );
    let created = c
        .create_import(&ImportDefinition::new(
            "load",
            "Load customers",
            "customers.csv",
            "Customers",
        ))
        .await
        .unwrap();
    assert!(created.object_id.is_some());
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(
        body.contains(
            r#"<DestinationObject xsi:type="DataExtension"><CustomerKey>Customers</CustomerKey></DestinationObject>"#
        ),
        "{body}"
    );
    assert_eq!(fake.automations().imports()[0].destination_key, "Customers");

    let task = c.start_import("load").await.unwrap();
    let summary = c.import_results(&task).await.unwrap().unwrap();
    assert_eq!(summary.status, ImportStatus::Completed);
    assert_eq!(
        (summary.total, summary.successful, summary.errors, summary.duplicates),
        (5, 3, 1, 1)
    );
    assert_eq!(summary.import_key.as_deref(), Some("load"));
    let status = c.activity_status(&task).await.unwrap().unwrap();
    assert_eq!(status.status, ActivityState::Complete);

    // A missing file ends the import in error; a missing destination is refused at create.
    c.create_import(&ImportDefinition::new("load2", "Load 2", "missing.csv", "Customers"))
        .await
        .unwrap();
    let task = c.start_import("load2").await.unwrap();
    let summary = c.import_results(&task).await.unwrap().unwrap();
    assert_eq!(summary.status, ImportStatus::Error);
    match c
        .create_import(&ImportDefinition::new("load3", "Load 3", "customers.csv", "NoSuchDE"))
        .await
    {
        Err(Error::SoapObjects { results, .. }) => {
            assert_eq!(results[0].error_code, Some(12001));
            assert!(results[0].status_message.as_deref().unwrap_or("").contains("NoSuchDE"));
        }
        other => panic!("{other:?}"),
    }
    match c.start_import("no-such").await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12001)),
        other => panic!("{other:?}"),
    }
    assert!(c.import_results(&TaskId("1".into())).await.unwrap().is_none());
}

#[tokio::test]
async fn a_destination_without_its_xsi_type_is_refused_by_the_fake() {
    let (fake, c) = setup().await;
    fake.data_extensions().add("Customers", "Customers", ["Email"]);
    let untyped = [mc_auth::soap::SoapObject::new("ImportDefinition")
        .with("CustomerKey", "raw")
        .with("Name", "Raw")
        .with("FileSpec", "f.csv")
        .with_nested("DestinationObject", [("CustomerKey", "Customers")])];
    match c.soap().create::<mc_auth::soap::ImportDefinition>(&untyped).await {
        Err(Error::SoapObjects { results, .. }) => {
            let m = results[0].status_message.clone().unwrap_or_default();
            assert!(m.contains("xsi:type") && m.contains("DataExtension"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn file_transfers_start_and_report_status() {
    let (fake, c) = setup().await;
    fake.automations().add_file_transfer("unzip-drop", "Unzip the drop");
    fake.automations().set_pending_polls(1);
    let task = c.start_file_transfer("unzip-drop").await.unwrap();
    assert_eq!(
        c.activity_status(&task).await.unwrap().unwrap().status,
        ActivityState::Running
    );
    assert_eq!(
        c.activity_status(&task).await.unwrap().unwrap().status,
        ActivityState::Complete
    );
    match c.start_file_transfer("no-such").await {
        Err(Error::SoapObjects { results, .. }) => {
            assert_eq!(results[0].error_code, Some(12001));
            assert!(results[0]
                .status_message
                .as_deref()
                .unwrap_or("")
                .contains("cannot create"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn wrong_scopes_are_refused_by_the_fake() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("reader", "reader-secret-value").scopes(Reader::SCOPES));
    let reader = Reader::connect(creds).await.unwrap();
    fake.automations().add("nightly", "Nightly import");
    // The reader may list; the fake refuses a start sent through the unchecked runtime API.
    assert_eq!(reader.automations().count().await, 1);
    let start = [mc_auth::soap::SoapObject::new("Automation").with("CustomerKey", "nightly")];
    match reader.client().soap().perform("start", &start).await {
        Err(Error::SoapFault { faultstring, .. }) => {
            assert!(faultstring.contains("Insufficient Privileges"), "{faultstring}");
            assert!(faultstring.contains("automations_execute"), "{faultstring}");
        }
        other => panic!("{other:?}"),
    }
    let query = [mc_auth::soap::SoapObject::new("QueryDefinition").with("CustomerKey", "q")];
    match reader.client().soap().create(&query).await {
        Err(Error::SoapFault { faultstring, .. }) => {
            assert!(faultstring.contains("automations_write"), "{faultstring}")
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.automations().runs().is_empty());
    assert!(fake.automations().query_definitions().is_empty());
}
