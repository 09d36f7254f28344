//! Compiles the plugin protocol definitions in `proto/` with a vendored
//! `protoc`, so that a fresh machine needs no protobuf compiler installed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=proto");

    tonic_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_protos(
            &["proto/tfplugin6.proto", "proto/go_plugin.proto"],
            &[std::path::Path::new("proto"), include.as_path()],
        )?;
    Ok(())
}
