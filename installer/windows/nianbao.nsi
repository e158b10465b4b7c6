; 年报助手 setup for Windows: a per-user install that needs no administrator rights.
; Compiled by installer/build.py (makensis -INPUTCHARSET UTF8 -WX) with these defines:
;   VERSION  the program version (pyproject.toml)
;   BUNDLE   the PyInstaller one-folder bundle (nianbao.exe, nianbao-gui.exe, _internal\)
;   OUTFILE  the setup .exe to write
;   ICON     installer\windows\nianbao.ico

Unicode true
ManifestDPIAware true

!macro REQUIRE NAME
  !ifndef ${NAME}
    !error "${NAME} is not defined: run python installer/build.py windows"
  !endif
!macroend
!insertmacro REQUIRE VERSION
!insertmacro REQUIRE BUNDLE
!insertmacro REQUIRE OUTFILE
!insertmacro REQUIRE ICON

!include "MUI2.nsh"
!include "FileFunc.nsh"

!define APPNAME "年报助手"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\nianbao"

Name "${APPNAME}"
Caption "${APPNAME} ${VERSION} 安装"
OutFile "${OUTFILE}"
; Under the user's own profile, where Windows itself puts per-user programs: no UAC prompt, and
; clerks without administrator rights can install and update.
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\nianbao"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
SetCompressor /SOLID lzma
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APPNAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "将为当前用户安装 ${APPNAME} ${VERSION}，不需要管理员权限。$\r$\n$\r$\n${APPNAME}完全离线工作，不连接网络。$\r$\n$\r$\n请先关闭正在运行的${APPNAME}，再点“下一步”。"
!define MUI_FINISHPAGE_RUN "$INSTDIR\nianbao-gui.exe"
!define MUI_FINISHPAGE_RUN_TEXT "运行${APPNAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "${APPNAME}" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; An update replaces the whole library folder, so no file of an older version stays behind.
  RMDir /r "$INSTDIR\_internal"
  File "${BUNDLE}\nianbao.exe"
  File "${BUNDLE}\nianbao-gui.exe"
  File /r "${BUNDLE}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk" "$INSTDIR\nianbao-gui.exe" "" "$INSTDIR\nianbao-gui.exe" 0
  CreateShortcut "$SMPROGRAMS\${APPNAME}\卸载${APPNAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\nianbao-gui.exe" "" "$INSTDIR\nianbao-gui.exe" 0

  ; 设置 → 应用 lists the program for this user only (HKCU), with its uninstaller.
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${APPNAME}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\nianbao-gui.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$DESKTOP\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\${APPNAME}.lnk"
  Delete "$SMPROGRAMS\${APPNAME}\卸载${APPNAME}.lnk"
  RMDir "$SMPROGRAMS\${APPNAME}"
  ; Only what the setup put there: the install folder may have been chosen by hand and hold
  ; other files (the clerk's workbooks stay where they are).
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\nianbao.exe"
  Delete "$INSTDIR\nianbao-gui.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
  ; Settings (HKCU\Software\nianbao) and logs (%LOCALAPPDATA%\nianbao) are the user's and stay.
SectionEnd
