"""Config flow: pick a provider, give credentials, choose which buildings and levels to track."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
import secrets
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from .access import create_access_client
from .api import (
    Account,
    Site,
    WorkplaceAuthenticationError,
    WorkplaceConnectionError,
    WorkplacePermissionError,
    Zone,
    ZoneKind,
)
from .const import (
    CONF_ALLOW_METADATA_WRITES,
    CONF_BOOKING_TYPES,
    CONF_HORIZON_DAYS,
    CONF_IDENTITY_URL,
    CONF_PROVIDER,
    CONF_SITE,
    CONF_SPACE_ENTITIES,
    CONF_WEBHOOK_SECRET,
    CONF_ZONES,
    DEFAULT_BOOKING_TYPES,
    DEFAULT_DESKBEE_URL,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_SALTO_IDENTITY_URL,
    DEFAULT_SALTO_URL,
    DOMAIN,
    KNOWN_BOOKING_TYPES,
    LOGGER,
    MAX_HORIZON_DAYS,
    MIN_SCAN_INTERVAL,
    PROVIDER_DESKBEE,
    PROVIDER_PLACEOS,
    PROVIDER_SALTO_KS,
    PROVIDERS,
)
from .coordinator import WorkplaceConfigEntry, create_client, default_interval

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# What each provider's credential step asks, which of it is secret, and which is shown again.
CREDENTIALS = {
    PROVIDER_PLACEOS: (CONF_URL, CONF_API_KEY),
    PROVIDER_DESKBEE: (CONF_URL, CONF_CLIENT_ID, CONF_CLIENT_SECRET),
    PROVIDER_SALTO_KS: (
        CONF_URL,
        CONF_IDENTITY_URL,
        CONF_CLIENT_ID,
        CONF_CLIENT_SECRET,
        CONF_USERNAME,
        CONF_PASSWORD,
    ),
}
SECRETS = {
    PROVIDER_PLACEOS: (CONF_API_KEY,),
    PROVIDER_DESKBEE: (CONF_CLIENT_SECRET,),
    PROVIDER_SALTO_KS: (CONF_PASSWORD,),
}
SHOWN = {
    PROVIDER_PLACEOS: (CONF_URL,),
    PROVIDER_DESKBEE: (CONF_URL, CONF_CLIENT_ID),
    PROVIDER_SALTO_KS: (CONF_URL, CONF_IDENTITY_URL, CONF_CLIENT_ID, CONF_USERNAME),
}
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def is_allowed_url(url: str) -> bool:
    """Only https, except plain http to this machine (the simulators run on loopback)."""
    try:
        parsed = URL(url)
    except ValueError:
        return False
    if not parsed.host or parsed.scheme not in ("http", "https"):
        return False
    if parsed.scheme == "https":
        return True
    if parsed.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host).is_loopback
    except ValueError:
        return False


def unique_id_for(provider: str, account: Account) -> str:
    """One entry per provider tenant."""
    return f"{provider}_{account.tenant_id}"


# What each provider's refusal of the credentials means, in its own words (config.error.*).
INVALID_AUTH = {
    PROVIDER_PLACEOS: "invalid_auth",
    PROVIDER_DESKBEE: "invalid_auth_deskbee",
    PROVIDER_SALTO_KS: "invalid_auth_salto_ks",
}


class WorkplaceConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Workplace account."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known."""
        self._data: dict[str, Any] = {}
        self._account: Account | None = None
        self._zones: list[Zone] = []
        self._sites: list[Site] = []

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: WorkplaceConfigEntry) -> WorkplaceOptionsFlow:
        """Polling and tracking preferences."""
        return WorkplaceOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the provider."""
        if user_input is not None:
            return await self._async_step_credentials(user_input[CONF_PROVIDER], None)
        return self.async_show_form(
            step_id="user",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_PROVIDER, default=PROVIDER_PLACEOS): SelectSelector(
                        SelectSelectorConfig(
                            options=list(PROVIDERS),
                            translation_key=CONF_PROVIDER,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_placeos(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the PlaceOS address and API key, and check them."""
        return await self._async_step_credentials(PROVIDER_PLACEOS, user_input)

    async def async_step_deskbee(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the Deskbee address and ClientApi credentials, and check them."""
        return await self._async_step_credentials(PROVIDER_DESKBEE, user_input)

    async def async_step_salto_ks(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the SALTO KS addresses, client and site admin user, and check them."""
        return await self._async_step_credentials(PROVIDER_SALTO_KS, user_input)

    async def _async_step_credentials(
        self, provider: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = {key: str(user_input[key]).strip() for key in CREDENTIALS[provider]}
            credentials[CONF_PROVIDER] = provider
            errors = await self._async_check(credentials)
            if not errors and provider == PROVIDER_SALTO_KS:
                self._data.update(credentials)
                return await self.async_step_site()
            if not errors:
                assert self._account is not None  # noqa: S101 - set by a successful check
                await self.async_set_unique_id(unique_id_for(provider, self._account))
                if self.source == "reconfigure":
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                else:
                    self._abort_if_unique_id_configured()
                self._data.update(credentials)
                if provider == PROVIDER_DESKBEE and CONF_WEBHOOK_ID not in self._data:
                    self._data[CONF_WEBHOOK_ID] = webhook.async_generate_id()
                    self._data[CONF_WEBHOOK_SECRET] = secrets.token_hex(32)
                return await self.async_step_scope()
        shown = user_input or self._data
        return self.async_show_form(
            step_id=provider,
            data_schema=self.add_suggested_values_to_schema(
                credentials_schema(provider),
                {key: shown[key] for key in SHOWN[provider] if key in shown},
            ),
            errors=errors,
        )

    async def async_step_scope(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the buildings and levels to track."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_ZONES):
                self._data[CONF_ZONES] = list(user_input[CONF_ZONES])
                if CONF_WEBHOOK_ID in self._data:
                    return await self.async_step_webhook()
                return self._async_finish()
            errors[CONF_ZONES] = "no_zones"
        return self.async_show_form(
            step_id="scope",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_ZONES, default=self._data.get(CONF_ZONES, [])
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=zone_options(self._zones),
                            multiple=True,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
            errors=errors,
            description_placeholders={"tenant": self._account.tenant_name if self._account else ""},
        )

    async def async_step_site(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the SALTO KS site; one entry per site."""
        if user_input is not None:
            site = next(site for site in self._sites if site.id == user_input[CONF_SITE])
            await self.async_set_unique_id(f"{PROVIDER_SALTO_KS}_{site.id}")
            if self.source == "reconfigure":
                self._abort_if_unique_id_mismatch(reason="wrong_account")
            else:
                self._abort_if_unique_id_configured()
            self._data[CONF_SITE] = site.id
            self._account = Account(
                tenant_id=site.id, tenant_name=site.name, user_id="", user_name="", user_email=""
            )
            return self._async_finish()
        return self.async_show_form(
            step_id="site",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_SITE, default=self._data.get(CONF_SITE, probatio.UNDEFINED)
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=[
                                SelectOptionDict(value=site.id, label=site.name)
                                for site in self._sites
                            ],
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show where Deskbee should push its webhooks and the key to sign them with."""
        if user_input is not None:
            return self._async_finish()
        return self.async_show_form(
            step_id="webhook",
            description_placeholders=webhook_placeholders(self.hass, self._data),
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The credentials stopped working: ask for new ones."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new key or secret for the same tenant."""
        entry = self._get_reauth_entry()
        provider = entry.data[CONF_PROVIDER]
        errors: dict[str, str] = {}
        if user_input is not None:
            renewed = {key: str(user_input[key]).strip() for key in SECRETS[provider]}
            errors = await self._async_check({**entry.data, **renewed})
            if not errors and provider == PROVIDER_SALTO_KS:
                if entry.data[CONF_SITE] not in {site.id for site in self._sites}:
                    return self.async_abort(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates=renewed)
            if not errors:
                assert self._account is not None  # noqa: S101 - set by a successful check
                await self.async_set_unique_id(unique_id_for(provider, self._account))
                self._abort_if_unique_id_mismatch(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, data_updates=renewed)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=probatio.Schema(
                {probatio.Required(key): PASSWORD for key in SECRETS[provider]}
            ),
            errors=errors,
            description_placeholders={"url": entry.data[CONF_URL]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, credentials or tracked zones of an existing entry."""
        entry = self._get_reconfigure_entry()
        self._data = dict(entry.data)
        return await self._async_step_credentials(entry.data[CONF_PROVIDER], None)

    async def _async_check(self, credentials: Mapping[str, Any]) -> dict[str, str]:
        """Try the credentials; fill in the account and zones, or return form errors."""
        for key in (CONF_URL, CONF_IDENTITY_URL):
            if key in credentials and not is_allowed_url(credentials[key]):
                return {key: "invalid_url"}
        try:
            if credentials[CONF_PROVIDER] == PROVIDER_SALTO_KS:
                self._sites = await create_access_client(self.hass, credentials).get_sites()
                if not self._sites:
                    return {"base": "no_sites"}
                return {}
            client = create_client(self.hass, credentials)
            self._account = await client.get_account()
            self._zones = await client.get_zones()
        except WorkplaceAuthenticationError, WorkplacePermissionError:
            return {"base": INVALID_AUTH[credentials[CONF_PROVIDER]]}
        except WorkplaceConnectionError:
            return {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 - a form error, never an HTTP 500 (resolver, parser)
            LOGGER.exception("Unexpected error while checking %s", credentials[CONF_URL])
            return {"base": "unknown"}
        return {}

    def _async_finish(self) -> ConfigFlowResult:
        if self.source == "reconfigure":
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data=self._data
            )
        assert self._account is not None  # noqa: S101 - the scope step follows a check
        return self.async_create_entry(title=self._account.tenant_name, data=self._data)


def credentials_schema(provider: str) -> probatio.Schema:
    """The credential fields of a provider."""
    if provider == PROVIDER_SALTO_KS:
        return probatio.Schema(
            {
                probatio.Required(CONF_URL, default=DEFAULT_SALTO_URL): URL_SELECTOR,
                probatio.Required(
                    CONF_IDENTITY_URL, default=DEFAULT_SALTO_IDENTITY_URL
                ): URL_SELECTOR,
                probatio.Required(CONF_CLIENT_ID): TextSelector(),
                probatio.Required(CONF_CLIENT_SECRET): PASSWORD,
                probatio.Required(CONF_USERNAME): TextSelector(),
                probatio.Required(CONF_PASSWORD): PASSWORD,
            }
        )
    if provider == PROVIDER_DESKBEE:
        return probatio.Schema(
            {
                probatio.Required(CONF_URL, default=DEFAULT_DESKBEE_URL): URL_SELECTOR,
                probatio.Required(CONF_CLIENT_ID): TextSelector(),
                probatio.Required(CONF_CLIENT_SECRET): PASSWORD,
            }
        )
    return probatio.Schema(
        {probatio.Required(CONF_URL): URL_SELECTOR, probatio.Required(CONF_API_KEY): PASSWORD}
    )


def webhook_info(hass: HomeAssistant, entry: WorkplaceConfigEntry) -> str:
    """For an entry with webhooks, where Deskbee should deliver and the key to sign with."""
    if CONF_WEBHOOK_ID not in entry.data:
        return ""
    shown = webhook_placeholders(hass, entry.data)
    return (
        f"Deskbee webhook URL: `{shown['webhook_url']}`  \nSigning key: `{shown['webhook_secret']}`"
    )


def webhook_placeholders(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """The webhook address and signing key to paste in the Deskbee panel."""
    webhook_id = data[CONF_WEBHOOK_ID]
    try:
        url = webhook.async_generate_url(hass, webhook_id)
    except NoURLAvailableError:
        url = f"https://<your Home Assistant address>/api/webhook/{webhook_id}"
    return {"webhook_url": url, "webhook_secret": data[CONF_WEBHOOK_SECRET]}


def zone_options(zones: list[Zone]) -> list[SelectOptionDict]:
    """Buildings, each followed by its levels labelled with the building name first."""
    buildings = sorted((z for z in zones if z.kind is ZoneKind.BUILDING), key=lambda z: z.name)
    options: list[SelectOptionDict] = []
    for building in buildings:
        options.append(SelectOptionDict(value=building.id, label=building.name))
        levels = sorted(
            (z for z in zones if z.kind is ZoneKind.LEVEL and z.parent_id == building.id),
            key=lambda z: z.name,
        )
        options.extend(
            SelectOptionDict(value=level.id, label=f"{building.name} › {level.name}")  # noqa: RUF001
            for level in levels
        )
    return options


class WorkplaceOptionsFlow(OptionsFlowWithReload):
    """How often to poll, how far ahead, which booking types, whether to add space entities.

    Home Assistant reloads the entry when the saved options differ (no update listener).
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_BOOKING_TYPES]:
                return self.async_create_entry(
                    data={
                        CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                        CONF_HORIZON_DAYS: int(user_input[CONF_HORIZON_DAYS]),
                        CONF_BOOKING_TYPES: [t.strip() for t in user_input[CONF_BOOKING_TYPES]],
                        CONF_SPACE_ENTITIES: user_input[CONF_SPACE_ENTITIES],
                        CONF_ALLOW_METADATA_WRITES: user_input[CONF_ALLOW_METADATA_WRITES],
                    }
                )
            errors[CONF_BOOKING_TYPES] = "no_booking_types"
        options = self.config_entry.options
        return self.async_show_form(
            step_id="init",
            errors=errors,
            description_placeholders={"webhook_info": webhook_info(self.hass, self.config_entry)},
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_SCAN_INTERVAL,
                        default=options.get(
                            CONF_SCAN_INTERVAL, default_interval(self.config_entry).total_seconds()
                        ),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_SCAN_INTERVAL.total_seconds(),
                            max=3600,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.BOX,
                        )
                    ),
                    probatio.Required(
                        CONF_HORIZON_DAYS,
                        default=options.get(CONF_HORIZON_DAYS, DEFAULT_HORIZON_DAYS),
                    ): NumberSelector(
                        NumberSelectorConfig(
                            min=1, max=MAX_HORIZON_DAYS, step=1, mode=NumberSelectorMode.BOX
                        )
                    ),
                    probatio.Required(
                        CONF_BOOKING_TYPES,
                        default=list(options.get(CONF_BOOKING_TYPES, DEFAULT_BOOKING_TYPES)),
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=list(KNOWN_BOOKING_TYPES),
                            multiple=True,
                            custom_value=True,
                            translation_key=CONF_BOOKING_TYPES,
                        )
                    ),
                    probatio.Required(
                        CONF_SPACE_ENTITIES,
                        default=options.get(CONF_SPACE_ENTITIES, True),
                    ): BooleanSelector(),
                    probatio.Required(
                        CONF_ALLOW_METADATA_WRITES,
                        default=options.get(CONF_ALLOW_METADATA_WRITES, False),
                    ): BooleanSelector(),
                }
            ),
        )
