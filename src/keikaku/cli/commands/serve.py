"""``keikaku serve``: the web application (pages and JSON API) with uvicorn."""

import typer


def register(app: typer.Typer) -> None:
    """Add the serve command."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="待ち受けるポート"),
        workers: int = typer.Option(1, "--workers", min=1, max=64, help="ワーカープロセスの数"),
        trusted_proxy: str | None = typer.Option(
            None,
            "--trusted-proxy",
            help=(
                "前段の HTTPS リバースプロキシのアドレス（カンマ区切り）。そこからの X-Forwarded-For/-Proto を信用し、"
                "HTTPS ではクッキーに Secure を付け、ログイン試行の制限は利用者のアドレスで数える"
            ),
        ),
    ) -> None:
        """Web 画面と JSON API（/api/v1）を起動する。検索索引と連携候補は起動時に最新にする。"""
        # Heavy imports stay here so that `keikaku --help` stays fast.
        import uvicorn

        from keikaku.services.core.db import ensure_schema

        ensure_schema()
        typer.echo(f"keikaku: http://{host}:{port}/ で待ち受けます（終了は Ctrl+C）", err=True)
        uvicorn.run(
            "keikaku.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=trusted_proxy is not None,
            forwarded_allow_ips=trusted_proxy,
            server_header=False,
        )
