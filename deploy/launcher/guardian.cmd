@echo off
rem guardian.cmd: Guardian's command line from the installed desktop app (Windows).
rem Installed as <install folder>\resources\bin\guardian.cmd by electron-builder.yml; add that
rem folder to PATH. It runs the app with --cli, which runs the headless CLI inside it
rem (main/desktop/cli-mode.ts) and opens no window. A batch file waits for the app, so the
rem command's output and exit code reach this console.
setlocal
"%~dp0..\..\Guardian Server Manager.exe" --cli %*
exit /b %ERRORLEVEL%
