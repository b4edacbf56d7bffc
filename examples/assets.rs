//! Content Builder: create an asset, read it, find it by query, update it, delete it.
//!
//! ```text
//! cargo run --example assets
//! ```

use mc_auth::api::assets::{Asset, AssetQuery, AssetType};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};

/// Manages Content Builder assets: MC splits create (saved content) from read and change
/// (documents and images).
#[mc_client(scopes = "saved_content_write documents_and_images_read documents_and_images_write")]
struct Librarian;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Librarian::SCOPES).await?;
        println!("Using {}", target.describe());
        let lib = Librarian::connect(target.credentials()).await?;

        let name = format!("mc-auth example block {}", std::process::id());
        let created = lib
            .create_asset(&Asset::new(&name, AssetType::new(196, "textblock")).content("Hello <b>world</b> & friends"))
            .await?;
        let id = created.id.ok_or("MC returned no asset id")?;
        println!("Created asset {id}: {}", created.name);

        let fetched = lib.get_asset(id).await?;
        println!("Read it back: {:?}", fetched.content);

        let found = lib
            .query_assets(&AssetQuery::new("name", "equal", name.as_str()))
            .await?;
        println!("Query by name found {} asset(s)", found.count);

        let updated = lib
            .update_asset(id, &serde_json::json!({ "content": "Updated" }))
            .await?;
        println!("Updated content: {:?}", updated.content);

        lib.delete_asset(id).await?;
        println!("Deleted asset {id}");
        Ok(())
    });
}
