"""Identity: a Cognito user pool where the crisis team signs in (or a company's Entra ID / OIDC
provider configured in its place); the API checks the ID tokens itself, beside the API keys."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cognito as cognito
from constructs import Construct


class Identity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"krisenradar-{stage}-team",
            self_sign_up_enabled=False,  # admins invite the crisis team
            sign_in_aliases=cognito.SignInAliases(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.user_pool).acknowledge(
            Acknowledgment(
                id="AwsSolutions-COG8",
                reason="A crisis team of a few people with MFA required: the Plus tier's threat protection "
                "costs per active user and can be switched on by the company if its policy asks for it",
            )
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            user_pool_client_name=f"krisenradar-{stage}-web",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
            prevent_user_existence_errors=True,
        )

    @property
    def issuer(self) -> str:
        region = Stack.of(self).region
        return f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool.user_pool_id}"

    @property
    def audience(self) -> str:
        return self.client.user_pool_client_id
